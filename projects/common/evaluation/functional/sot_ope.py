"""Single-object-tracking metrics: the OPE and GOT-10k protocols.

Boxes are ``(x, y, w, h)`` in pixels throughout. Every function works on
numpy arrays only; :class:`projects.common.evaluation.SOTMetric` wraps them
for mmengine.

OPE (one-pass evaluation, as reported on LaSOT, OTB, TrackingNet, UAV123),
per sequence of ``N`` ground-truth frames:

* a prediction with ``w == 0`` or ``h == 0`` is replaced by the previous
  one, and the first prediction by the ground truth (the tracker is
  initialised with it) (:func:`fix_predictions`);
* a frame is *valid* when its ground-truth box has ``w > 0`` and ``h > 0``
  and, when visibility flags are given, the target is visible. An invalid
  frame has IoU -1 and centre error +inf, so it is never a success, but it
  stays in the denominator, which is always ``N``. As in the official
  toolkit, a frame invalid only through its ground truth has normalised
  error -1 (a success), one flagged invisible +inf;
* success(tau) = #{IoU > tau} / N for tau = 0, 0.05, ..., 1 (21 values);
  AUC is the mean of the curve, OP50 / OP75 its values at 0.5 / 0.75;
* precision(tau) = #{centre error <= tau} / N for tau = 0, 1, ..., 50 px,
  reported at 20 px; the centre of a box is ``(x + (w - 1) / 2,
  y + (h - 1) / 2)``;
* normalized precision: the centre offsets divided by the ground-truth
  width and height, ``sqrt((dx / w_gt) ** 2 + (dy / h_gt) ** 2)``, for
  tau = 0, 0.01, ..., 0.5 (51 values), reported at 0.2;
* the curves are averaged over sequences (each sequence weighs the same)
  and scaled by 100.

GOT-10k: frame 0 is dropped, only frames with ``cover > 0`` are kept, and
AO / SR are pooled over the kept frames of all sequences (a long sequence
weighs more).
"""
from typing import Dict, List, Optional, Sequence

import numpy as np

# k / 20 rather than k * 0.05: every threshold is the double nearest to
# its decimal value, so an IoU of exactly 0.15 is not a success at 0.15.
SUCCESS_THRESHOLDS = np.arange(21) / 20.0
PRECISION_THRESHOLDS = np.arange(51, dtype=np.float64)
NORM_PRECISION_THRESHOLDS = np.arange(51) / 100.0
PRECISION_REPORT_PX = 20
NORM_PRECISION_REPORT_INDEX = 20


def _where(name: Optional[str]) -> str:
    return '' if name is None else f' for sequence {name}'


def _boxes(boxes, what: str, name: Optional[str] = None) -> np.ndarray:
    """``boxes`` as a float64 (N, 4) array, or a ValueError naming it."""
    arr = np.asarray(boxes, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f'{what}{_where(name)} must have shape (N, 4) as '
                         f'(x, y, w, h) rows, got shape {arr.shape}')
    if len(arr) == 0:
        raise ValueError(f'{what}{_where(name)} is empty; a sequence needs '
                         'at least its first frame')
    return arr


def _pair(pred, gt, name: Optional[str] = None):
    """Validated (pred, gt) arrays of one sequence."""
    pred = _boxes(pred, 'pred', name)
    gt = _boxes(gt, 'gt', name)
    if len(pred) != len(gt):
        raise ValueError(f'different lengths of pred ({len(pred)}) and gt '
                         f'({len(gt)}){_where(name)}')
    return pred, gt


def _flags(flags, n: int, what: str, name: str) -> np.ndarray:
    """``flags`` as an (n,) array, or a ValueError naming it."""
    arr = np.asarray(flags)
    if arr.ndim != 1 or len(arr) != n:
        raise ValueError(f'{what} for sequence {name} must have shape '
                         f'({n},), one entry per ground-truth frame, got '
                         f'shape {arr.shape}')
    return arr


def _sequence_names(names: Optional[Sequence[str]], num: int) -> List[str]:
    if names is None:
        return [f'#{i}' for i in range(num)]
    if len(names) != num:
        raise ValueError(f'got {len(names)} sequence names for {num} '
                         'sequences')
    return [str(n) for n in names]


def _check_lists(preds: Sequence, gts: Sequence, extra: Optional[Sequence],
                 extra_what: str) -> None:
    if len(preds) != len(gts):
        raise ValueError(f'got predictions for {len(preds)} sequences but '
                         f'ground truth for {len(gts)}')
    if len(gts) == 0:
        raise ValueError('no sequences to evaluate')
    if extra is not None and len(extra) != len(gts):
        raise ValueError(f'got {extra_what} for {len(extra)} sequences but '
                         f'ground truth for {len(gts)}')


def fix_predictions(pred, gt) -> np.ndarray:
    """Apply the OPE initialisation and zero-size rules to predictions.

    As the official toolkit (``calc_seq_err_robust``): every later
    prediction with ``w == 0`` or ``h == 0`` (on a frame whose ground truth
    is not NaN) becomes the previous prediction, then the first prediction
    becomes the first ground-truth box. NaN predictions or negative sizes
    are invalid results. The input is not modified.

    Args:
        pred (array-like): Predictions, shape (N, 4), ``(x, y, w, h)``.
        gt (array-like): Ground truth, shape (N, 4) (only ``gt[0]`` is
            used, but the lengths must agree).

    Returns:
        np.ndarray: The fixed predictions, float64, shape (N, 4).

    Raises:
        ValueError: If a shape is not (N, 4), the lengths differ, or a
            prediction is NaN or has a negative size.
    """
    pred, gt = _pair(pred, gt)
    pred = pred.copy()
    if np.isnan(pred).any() or (pred[:, 2:] < 0).any():
        bad = np.flatnonzero(np.isnan(pred).any(1) | (pred[:, 2:] < 0).any(1))
        raise ValueError(f'invalid predictions (NaN or negative size) at '
                         f'frames {bad[:10].tolist()}')
    for i in range(1, len(pred)):
        if (pred[i, 2:] == 0).any() and not np.isnan(gt[i]).any():
            pred[i] = pred[i - 1]
    pred[0] = gt[0]
    return pred


def box_iou_xywh(a, b) -> np.ndarray:
    """Element-wise IoU of two sets of ``(x, y, w, h)`` boxes.

    Intersection width is ``max(0, min(x1 + w1, x2 + w2) - max(x1, x2))``
    (height likewise) and the union is ``area1 + area2 - intersection``:
    continuous coordinates, no ``+ 1``. Where the union is not positive or a
    coordinate is not finite the IoU is 0.

    Args:
        a (array-like): Boxes, shape (..., 4).
        b (array-like): Boxes, shape broadcastable with ``a``.

    Returns:
        np.ndarray: IoU per box pair, shape ``a.shape[:-1]`` (broadcast).

    Raises:
        ValueError: If the last axis is not 4.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape[-1:] != (4, ) or b.shape[-1:] != (4, ):
        raise ValueError('box_iou_xywh expects (x, y, w, h) boxes with a '
                         f'last axis of 4, got shapes {a.shape} and {b.shape}')
    with np.errstate(invalid='ignore', divide='ignore'):
        iw = np.maximum(
            0.0,
            np.minimum(a[..., 0] + a[..., 2], b[..., 0] + b[..., 2]) -
            np.maximum(a[..., 0], b[..., 0]))
        ih = np.maximum(
            0.0,
            np.minimum(a[..., 1] + a[..., 3], b[..., 1] + b[..., 3]) -
            np.maximum(a[..., 1], b[..., 1]))
        inter = iw * ih
        union = a[..., 2] * a[..., 3] + b[..., 2] * b[..., 3] - inter
        iou = inter / union
    return np.where(np.isfinite(iou) & (union > 0), iou, 0.0)


def success_curve(iou) -> np.ndarray:
    """Fraction of frames with IoU above each success threshold.

    Args:
        iou (array-like): IoU per frame, shape (N,); invalid frames carry -1
            and still count in the denominator ``N``.

    Returns:
        np.ndarray: ``#{iou > tau} / N`` for tau in
        :data:`SUCCESS_THRESHOLDS` (0, 0.05, ..., 1), shape (21,), as
        fractions (not x100).

    Raises:
        ValueError: If ``iou`` is not 1-D or is empty.
    """
    iou = np.asarray(iou, dtype=np.float64)
    if iou.ndim != 1 or len(iou) == 0:
        raise ValueError('success_curve expects a non-empty 1-D array of '
                         f'IoUs, got shape {iou.shape}')
    return (iou[:, None] > SUCCESS_THRESHOLDS[None, :]).mean(axis=0)


def _threshold_curve(err: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """``#{err <= tau} / N`` for each threshold."""
    return (err[:, None] <= thresholds[None, :]).mean(axis=0)


def _centers(boxes: np.ndarray) -> np.ndarray:
    return boxes[:, :2] + (boxes[:, 2:] - 1.0) / 2.0


def _valid_frames(gt: np.ndarray,
                  visible: Optional[np.ndarray]) -> np.ndarray:
    # NaN sizes compare False, so unknown ground truth is invalid
    valid = (gt[:, 2] > 0) & (gt[:, 3] > 0) & np.isfinite(gt).all(axis=1)
    if visible is not None:
        valid &= visible.astype(bool)
    return valid


def eval_sot_ope(preds: Sequence,
                 gts: Sequence,
                 visibles: Optional[Sequence] = None,
                 names: Optional[Sequence[str]] = None) -> Dict:
    """OPE success, precision and normalized precision over sequences.

    Args:
        preds (list[array-like]): Per sequence, predictions of shape (N, 4)
            as ``(x, y, w, h)``; fixed with :func:`fix_predictions`.
        gts (list[array-like]): Per sequence, ground truth of shape (N, 4).
            Frames with ``w <= 0``, ``h <= 0`` or non-finite values are
            invalid.
        visibles (list[array-like | None], optional): Per sequence, a (N,)
            visibility flag (LaSOT's occlusion / out-of-view labels); frames
            with a false flag are invalid and fail every measure. A
            ``None`` entry (or ``visibles=None``) means every frame is
            visible. Frames invalid only because of their ground truth
            (zero size, NaN) fail IoU and precision but, as in the official
            toolkit, count as successes for normalised precision.
        names (list[str], optional): Sequence names for error messages.
            Defaults to ``#0``, ``#1``, ...

    Returns:
        dict: ``success`` (AUC), ``op50``, ``op75``, ``precision`` (at
        20 px) and ``norm_precision`` (at 0.2) as floats, and the curves
        ``success_curve`` (21,), ``precision_curve`` (51,) and
        ``norm_precision_curve`` (51,) as arrays, all averaged over
        sequences and x100.

    Raises:
        ValueError: If the lists have different lengths, or a sequence has
            a bad shape or different lengths of pred and gt.
    """
    _check_lists(preds, gts, visibles, 'visible flags')
    names = _sequence_names(names, len(gts))
    succ, prec, norm = [], [], []
    for i, name in enumerate(names):
        pred, gt = _pair(preds[i], gts[i], name)
        visible = None
        if visibles is not None and visibles[i] is not None:
            visible = _flags(visibles[i], len(gt), 'visible', name)
        pred = fix_predictions(pred, gt)
        valid = _valid_frames(gt, visible)

        iou = np.where(valid, box_iou_xywh(pred, gt), -1.0)
        offset = _centers(pred) - _centers(gt)
        with np.errstate(invalid='ignore', divide='ignore'):
            err = np.where(valid, np.hypot(offset[:, 0], offset[:, 1]),
                           np.inf)
            # official quirk: an invalid frame's normalised error is -1 (a
            # success at every threshold) unless it is flagged invisible
            norm_err = np.where(
                valid,
                np.hypot(offset[:, 0] / gt[:, 2], offset[:, 1] / gt[:, 3]),
                -1.0)
        if visible is not None:
            err[~visible] = np.inf
            norm_err[~visible] = np.inf
        succ.append(success_curve(iou))
        prec.append(_threshold_curve(err, PRECISION_THRESHOLDS))
        norm.append(_threshold_curve(norm_err, NORM_PRECISION_THRESHOLDS))

    succ_curve = np.mean(succ, axis=0) * 100
    prec_curve = np.mean(prec, axis=0) * 100
    norm_curve = np.mean(norm, axis=0) * 100
    return dict(
        success=float(succ_curve.mean()),
        op50=float(succ_curve[10]),
        op75=float(succ_curve[15]),
        precision=float(prec_curve[PRECISION_REPORT_PX]),
        norm_precision=float(norm_curve[NORM_PRECISION_REPORT_INDEX]),
        success_curve=succ_curve,
        precision_curve=prec_curve,
        norm_precision_curve=norm_curve)


def eval_got10k(preds: Sequence,
                gts: Sequence,
                covers: Optional[Sequence] = None,
                names: Optional[Sequence[str]] = None) -> Dict[str, float]:
    """GOT-10k average overlap (AO) and success rates (SR).

    Frame 0 (the initialisation) of every sequence is dropped, then only the
    frames with ``cover > 0`` are kept; the IoUs of the kept frames of all
    sequences are pooled. Predictions are used as given (no zero-size
    replacement: an empty box simply has IoU 0).

    Args:
        preds (list[array-like]): Per sequence, predictions of shape (N, 4)
            as ``(x, y, w, h)``.
        gts (list[array-like]): Per sequence, ground truth of shape (N, 4).
        covers (list[array-like | None], optional): Per sequence, a (N,)
            cover (visible fraction, 0-8 in GOT-10k, or a visibility flag).
            A ``None`` entry (or ``covers=None``) keeps every frame but the
            first.
        names (list[str], optional): Sequence names for error messages.

    Returns:
        dict: ``ao`` (mean IoU), ``sr50`` (fraction with IoU > 0.5) and
        ``sr75`` (IoU > 0.75), floats x100.

    Raises:
        ValueError: On bad shapes or lengths, or if no frame is left to
            evaluate.
    """
    _check_lists(preds, gts, covers, 'covers')
    names = _sequence_names(names, len(gts))
    ious = []
    for i, name in enumerate(names):
        pred, gt = _pair(preds[i], gts[i], name)
        keep = np.ones(len(gt), dtype=bool)
        if covers is not None and covers[i] is not None:
            cover = _flags(covers[i], len(gt), 'cover', name)
            keep = cover.astype(np.float64) > 0
        keep[0] = False
        ious.append(box_iou_xywh(pred[keep], gt[keep]))
    iou = np.concatenate(ious)
    if len(iou) == 0:
        raise ValueError('GOT-10k evaluation: no frame left after dropping '
                         'the first frame of each sequence and the frames '
                         'with cover 0')
    return dict(
        ao=float(iou.mean() * 100),
        sr50=float((iou > 0.5).mean() * 100),
        sr75=float((iou > 0.75).mean() * 100))
