"""Single-object-tracking evaluation (OPE or GOT-10k) as an mmengine metric."""
import os.path as osp
from collections import Counter, OrderedDict, defaultdict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from mmdet.registry import METRICS
from projects.common.utils.atomic_write import write_text_atomic
from ..functional import eval_got10k, eval_sot_ope

_REQUIRED_KEYS = ('video_id', 'frame_id', 'video_length', 'video_name',
                  'pred_bbox')
_METRICS = {'ope': 'OPE', 'got10k': 'GOT10k'}


def _to_numpy(value) -> np.ndarray:
    if hasattr(value, 'detach'):  # torch.Tensor
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _box(value, key: str, where: str) -> np.ndarray:
    """An (x, y, w, h) 4-vector as float64; ``None`` is an unknown box
    (all NaN)."""
    if value is None:
        return np.full(4, np.nan)
    box = _to_numpy(value).astype(np.float64).reshape(-1)
    if box.size != 4:
        raise ValueError(f'SOTMetric: {key} of {where} must hold 4 numbers '
                         f'(x, y, w, h), got {box.size}')
    return box


@METRICS.register_module()
class SOTMetric(BaseMetric):
    """Single-object-tracking metrics: OPE or GOT-10k.

    Each data sample (a dict, or an object with ``to_dict()``) describes one
    frame: ``video_id`` (int), ``frame_id`` (int, 0-based),
    ``video_length`` (int), ``video_name`` (str), ``pred_bbox`` (4 numbers,
    ``x, y, w, h`` pixels, the tracker's own box), ``gt_bbox``
    (``x, y, w, h``; zeros or NaN when unknown), ``visible`` (bool,
    default True), ``cover`` (int), ``score`` (float, kept but not used)
    and ``track_time`` (seconds, written to GOT-10k's time files). Frames
    are grouped by ``video_id`` and sorted by ``frame_id``; every sequence
    must have exactly the frames ``0 .. video_length - 1``. Boxes are
    ``(x, y, w, h)`` as the benchmarks' files, so they are scored and
    written without a conversion.

    As the official toolkits evaluate the result files they write, OPE
    predictions are truncated to integers before scoring
    (``integer_boxes``).

    * ``metric='OPE'`` (LaSOT, OTB, TrackingNet, UAV123):
      :func:`~projects.common.evaluation.functional.eval_sot_ope`; reports
      ``success`` (AUC), ``norm_precision``, ``precision``, ``op50`` and
      ``op75``, all x100. With ``only_eval_visible`` frames whose
      ``visible`` is False are failures that stay in the denominator.
    * ``metric='GOT10k'``:
      :func:`~projects.common.evaluation.functional.eval_got10k`; reports
      ``ao``, ``sr50`` and ``sr75``, x100. With ``only_eval_visible`` only
      frames with ``cover > 0`` (``visible`` where ``cover`` is absent) are
      kept.

    With ``outfile_prefix`` the predictions are written in the benchmarks'
    text formats (frame 0 is the initial ground-truth box):

    * OPE: ``{outfile_prefix}/{video_name}.txt``, ``x<TAB>y<TAB>w<TAB>h``
      per line as integers (truncated); ``delimiter=','`` gives
      TrackingNet's server format;
    * GOT10k: ``{outfile_prefix}/{video_name}/{video_name}_001.txt``,
      ``x,y,w,h`` per line with 4 decimals, and
      ``{video_name}_time.txt`` with the seconds per frame.

    Args:
        metric (str): 'OPE' or 'GOT10k'. Defaults to 'OPE'.
        only_eval_visible (bool, optional): Use the ``visible`` / ``cover``
            flags (LaSOT's occlusion labels, GOT-10k's cover); if False
            every frame counts as visible. Defaults to True for GOT10k and
            False for OPE (the official toolkit uses flags for LaSOT only).
        integer_boxes (bool): Truncate OPE predictions to integers before
            scoring, as the official result files. Defaults to True.
        delimiter (str): Separator of the OPE result files ('\t').
        outfile_prefix (str, optional): Folder for the result files.
        format_only (bool): Only write the files (e.g. for a test server) and
            return ``{}``; needs ``outfile_prefix``. Defaults to False.
        collect_device (str): 'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): Metric-name prefix. Defaults to 'sot'.
    """

    default_prefix: Optional[str] = 'sot'

    def __init__(self,
                 metric: str = 'OPE',
                 only_eval_visible: Optional[bool] = None,
                 integer_boxes: bool = True,
                 delimiter: str = '\t',
                 outfile_prefix: Optional[str] = None,
                 format_only: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        key = str(metric).lower().replace('-', '')
        if key not in _METRICS:
            raise ValueError(f'SOTMetric: metric={metric!r} is not supported;'
                             f' expected one of {list(_METRICS.values())}')
        if format_only and not outfile_prefix:
            raise ValueError('SOTMetric: format_only=True writes the results '
                             'and computes nothing, so it needs '
                             'outfile_prefix')
        self.metric = _METRICS[key]
        if only_eval_visible is None:
            only_eval_visible = self.metric == 'GOT10k'
        self.only_eval_visible = only_eval_visible
        self.integer_boxes = integer_boxes
        self.delimiter = delimiter
        self.outfile_prefix = outfile_prefix
        self.format_only = format_only

    def process(self, data_batch, data_samples: Sequence) -> None:
        """Store one record per frame.

        Args:
            data_batch: Unused.
            data_samples (Sequence[dict]): Frames; dicts or objects with
                ``to_dict()`` (e.g. data samples), keys as in the class
                docstring.
        """
        for sample in data_samples:
            if not isinstance(sample, dict):
                if not hasattr(sample, 'to_dict'):
                    raise TypeError('SOTMetric: a data sample must be a dict '
                                    'or have to_dict(), got '
                                    f'{type(sample).__name__}')
                sample = sample.to_dict()
            missing = [k for k in _REQUIRED_KEYS if k not in sample]
            if missing:
                raise KeyError(f'SOTMetric: a data sample lacks {missing} '
                               f'(it has {sorted(sample)}); each frame needs '
                               f'{list(_REQUIRED_KEYS)}')
            where = (f'frame {sample["frame_id"]} of video '
                     f'{sample["video_name"]}')
            visible = sample.get('visible')
            cover = sample.get('cover')
            score = sample.get('score')
            track_time = sample.get('track_time')
            self.results.append(
                dict(
                    video_id=int(sample['video_id']),
                    frame_id=int(sample['frame_id']),
                    video_length=int(sample['video_length']),
                    video_name=str(sample['video_name']),
                    pred_bbox=_box(sample['pred_bbox'], 'pred_bbox', where),
                    gt_bbox=_box(sample.get('gt_bbox'), 'gt_bbox', where),
                    visible=True if visible is None else bool(
                        _to_numpy(visible).reshape(-1)[0]),
                    cover=None if cover is None else int(
                        _to_numpy(cover).reshape(-1)[0]),
                    score=None if score is None else float(
                        _to_numpy(score).reshape(-1)[0]),
                    track_time=None if track_time is None else float(
                        _to_numpy(track_time).reshape(-1)[0])))

    def _sequences(self, results: List[dict]) -> List[dict]:
        """Frames grouped into complete, sorted sequences."""
        by_video = defaultdict(list)
        for frame in results:
            by_video[frame['video_id']].append(frame)
        sequences, seen_names = [], {}
        for video_id in sorted(by_video):
            frames = sorted(by_video[video_id], key=lambda f: f['frame_id'])
            name = frames[0]['video_name']
            names = {f['video_name'] for f in frames}
            if len(names) > 1:
                raise ValueError(f'SOTMetric: video_id {video_id} has frames '
                                 f'named {sorted(names)}')
            if name in seen_names:
                raise ValueError(f'SOTMetric: video_id {seen_names[name]} and '
                                 f'{video_id} are both named {name!r}')
            seen_names[name] = video_id
            lengths = {f['video_length'] for f in frames}
            if len(lengths) > 1:
                raise ValueError(f'SOTMetric: frames of sequence {name} give '
                                 f'different video_length {sorted(lengths)}')
            length = lengths.pop()
            ids = [f['frame_id'] for f in frames]
            if ids != list(range(length)):
                counts = Counter(ids)
                missing = [i for i in range(length) if i not in counts]
                extra = sorted(i for i, n in counts.items()
                               if n > 1 or not 0 <= i < length)
                raise ValueError(
                    f'SOTMetric: sequence {name} has {len(ids)} frames but '
                    f'video_length {length}; missing frame ids '
                    f'{missing[:10]}, duplicate or out-of-range ids '
                    f'{extra[:10]}')
            sequences.append(
                dict(
                    name=name,
                    pred=np.stack([f['pred_bbox'] for f in frames]),
                    times=[f['track_time'] for f in frames],
                    gt=np.stack([f['gt_bbox'] for f in frames]),
                    visible=np.array([f['visible'] for f in frames]),
                    cover=np.array([
                        f['visible'] if f['cover'] is None else f['cover']
                        for f in frames
                    ]).astype(np.int64)))
        return sequences

    def _write(self, sequences: List[dict]) -> None:
        for seq in sequences:
            name, boxes = seq['name'], seq['pred'].copy()
            if np.isfinite(seq['gt'][0]).all():
                boxes[0] = seq['gt'][0]  # the tracker starts from it
            if self.metric == 'GOT10k':
                path = osp.join(self.outfile_prefix, name, f'{name}_001.txt')
                lines = [','.join(f'{v:.4f}' for v in box) for box in boxes]
                times = [0.0 if t is None else t for t in seq['times']]
                write_text_atomic(
                    osp.join(self.outfile_prefix, name, f'{name}_time.txt'),
                    '\n'.join(f'{t:.4f}' for t in times) + '\n')
            else:
                path = osp.join(self.outfile_prefix, f'{name}.txt')
                lines = [self.delimiter.join(str(v) for v in box)
                         for box in boxes.astype(int)]
            write_text_atomic(path, '\n'.join(lines) + '\n')
        print_log(f'SOTMetric: wrote {len(sequences)} {self.metric} result '
                  f'files to {self.outfile_prefix}', logger='current')

    def evaluate(self, size: int = 1) -> dict:
        """Gather every process's frames (shares may differ: whole videos
        per process, see ``SOTVideoSampler``), then compute on the main
        process and broadcast. ``size`` is not used."""
        from mmengine.dist import broadcast_object_list, is_main_process

        from mmdet.evaluation.metrics.base_video_metric import \
            collect_tracking_results
        results = collect_tracking_results(self.results, self.collect_device)
        metrics = [None]
        if is_main_process():
            computed = self.compute_metrics(results)
            metrics = [{f'{self.prefix}/{k}' if self.prefix else k: v
                        for k, v in computed.items()}]
        broadcast_object_list(metrics)
        self.results.clear()
        return metrics[0]

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Group the frames into sequences, write files, evaluate.

        Args:
            results (list[dict]): The records of :meth:`process`, from all
                ranks.

        Returns:
            dict[str, float]: ``success``, ``norm_precision``, ``precision``,
            ``op50``, ``op75`` (OPE) or ``ao``, ``sr50``, ``sr75`` (GOT10k),
            x100; ``{}`` with ``format_only``.
        """
        sequences = self._sequences(results)
        if self.outfile_prefix:
            self._write(sequences)
        if self.format_only:
            return {}
        preds = [s['pred'] for s in sequences]
        if self.integer_boxes and self.metric == 'OPE':
            preds = [np.trunc(p) for p in preds]
        gts = [s['gt'] for s in sequences]
        names = [s['name'] for s in sequences]
        if self.metric == 'OPE':
            visibles = ([s['visible'] for s in sequences]
                        if self.only_eval_visible else None)
            res = eval_sot_ope(preds, gts, visibles, names=names)
            keys = ('success', 'norm_precision', 'precision', 'op50', 'op75')
        else:
            covers = ([s['cover'] for s in sequences]
                      if self.only_eval_visible else None)
            res = eval_got10k(preds, gts, covers, names=names)
            keys = ('ao', 'sr50', 'sr75')
        metrics = OrderedDict((k, res[k]) for k in keys)
        num_frames = sum(len(s['gt']) for s in sequences)
        width = max(len(k) for k in keys) + 2
        rule = '+' + '+'.join('-' * width for _ in keys) + '+'
        table = '\n'.join([
            rule, '|' + '|'.join(k.center(width) for k in keys) + '|', rule,
            '|' + '|'.join(f'{v:.2f}'.center(width)
                           for v in metrics.values()) + '|', rule
        ])
        print_log(
            f'SOT {self.metric} evaluation on {len(sequences)} sequences, '
            f'{num_frames} frames (x100):\n{table}',
            logger='current')
        return metrics
