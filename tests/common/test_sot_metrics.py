"""SOT metrics (OPE and GOT-10k) against values computed by hand.

Boxes in the comments are (x, y, w, h) unless marked xyxy. A box's centre is
(x + (w - 1) / 2, y + (h - 1) / 2).
"""
import numpy as np
import pytest
import torch
from mmengine.structures import BaseDataElement

import projects.common  # noqa: F401  (registration)
from mmdet.registry import METRICS
from projects.common.evaluation import SOTMetric
from projects.common.evaluation.functional import (box_iou_xywh, eval_got10k,
                                                   eval_sot_ope,
                                                   fix_predictions,
                                                   success_curve)

approx = pytest.approx

# Sequence A (4 frames), used by the OPE tests and the metric:
#   f0 GT (0,0,10,10)   pred (50,50,5,5) -> overwritten by GT: IoU 1, err 0
#   f1 GT (0,0,10,10)   pred (5,0,10,10): inter 5*10 = 50, union 150,
#       IoU 1/3; centres (9.5,4.5) vs (4.5,4.5): err 5, norm 5/10 = 0.5
#   f2 GT (10,10,20,20) pred (10,10,0,5), zero width -> f1's (5,0,10,10):
#       inter w = min(15,30) - max(5,10) = 5, inter h = min(10,30) -
#       max(0,10) = 0 -> IoU 0; centres (9.5,4.5) vs (19.5,19.5):
#       err sqrt(10^2 + 15^2) = sqrt(325) = 18.03;
#       norm sqrt((10/20)^2 + (15/20)^2) = sqrt(0.8125) = 0.90
#   f3 GT (0,0,10,10) invisible, pred (0,0,10,10) perfect -> IoU -1, err inf
GT_A = [[0, 0, 10, 10], [0, 0, 10, 10], [10, 10, 20, 20], [0, 0, 10, 10]]
PRED_A = [[50, 50, 5, 5], [5, 0, 10, 10], [10, 10, 0, 5], [0, 0, 10, 10]]
VIS_A = [True, True, True, False]
# Success curve of A (N = 4), IoUs [1, 1/3, 0, -1]:
#   tau 0 .. 0.30 (7 values): IoU 1 and 1/3 -> 2/4
#   tau 0.35 .. 0.95 (13 values): IoU 1 -> 1/4
#   tau 1.0: nothing is > 1 -> 0
#   AUC = (7 * 0.5 + 13 * 0.25) / 21 = 6.75 / 21
CURVE_A = [0.5] * 7 + [0.25] * 13 + [0.0]
AUC_A = 6.75 / 21
# errors [0, 5, 18.03, inf]: precision@20 = 3/4; norm [0, .5, .9, inf]:
# norm precision@0.2 = 1/4


def test_box_iou_xywh_continuous():
    a = [[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10],
         [0, 0, 10, 10], [0, 0, 0, 0]]
    b = [[0, 0, 10, 10], [5, 5, 10, 10], [0, 0, 10, 5], [10, 0, 10, 10],
         [20, 0, 10, 10], [0, 0, 0, 0]]
    # same box: 1; (5,5,10,10): 25 / (100 + 100 - 25) = 1/7;
    # (0,0,10,5): 50 / 100 (no +1); touching at x = 10: 0; apart: 0;
    # two empty boxes: union 0 -> 0
    assert box_iou_xywh(a, b) == approx([1, 1 / 7, 0.5, 0, 0, 0])
    assert box_iou_xywh([0, 0, 10, 10], [5, 0, 10, 10]) == approx(1 / 3)
    with pytest.raises(ValueError, match='last axis of 4'):
        box_iou_xywh([[0, 0, 1]], [[0, 0, 1]])


def test_fix_predictions_first_frame_and_zero_size():
    # official order: zero sizes are replaced first (from the previous,
    # unfixed row), then frame 0 becomes the GT
    gt = np.array([[0, 0, 10, 10]] * 5, dtype=float)
    pred = np.array([[0, 0, 0, 0],       # f0: the GT in the end
                     [0, 0, 0, 3],       # zero width -> raw f0 (0, 0, 0, 0)
                     [1, 2, 3, 4],       # kept
                     [8, 8, 0, 0],       # zero size -> f2
                     [5, 5, 0, 2]],      # zero width -> f3 = f2
                    dtype=float)
    fixed = fix_predictions(pred, gt)
    assert fixed.tolist() == [[0, 0, 10, 10], [0, 0, 0, 0], [1, 2, 3, 4],
                              [1, 2, 3, 4], [1, 2, 3, 4]]
    assert pred[0].tolist() == [0, 0, 0, 0]  # input untouched
    with pytest.raises(ValueError, match=r'different lengths of pred \(5\) '
                       r'and gt \(4\)'):
        fix_predictions(pred, gt[:4])
    pred[3, 3] = -1
    with pytest.raises(ValueError, match=r'negative size\) at frames \[3\]'):
        fix_predictions(pred, gt)


def test_success_curve_is_strict():
    # IoUs [1, 0.5, 0.3, -1], N = 4:
    #   tau 0 .. 0.25 (6 values): 1, .5, .3 -> 3/4
    #   tau 0.30 .. 0.45 (4): 0.3 > 0.3 is false -> 1, .5 -> 2/4
    #   tau 0.50 .. 0.95 (10): 0.5 > 0.5 is false -> 1 -> 1/4
    #   tau 1.0: 0
    curve = success_curve([1.0, 0.5, 0.3, -1.0])
    expected = [0.75] * 6 + [0.5] * 4 + [0.25] * 10 + [0.0]
    assert curve.shape == (21, )
    assert curve == approx(expected)
    assert curve.mean() == approx(9 / 21)  # (4.5 + 2 + 2.5) / 21


def test_ope_single_sequence_invisible_frame_in_denominator():
    res = eval_sot_ope([PRED_A], [GT_A], [VIS_A])
    assert res['success_curve'] == approx(np.array(CURVE_A) * 100)
    assert res['success'] == approx(AUC_A * 100)  # 32.142857
    assert res['op50'] == approx(25.0)
    assert res['op75'] == approx(25.0)
    assert res['precision'] == approx(75.0)
    assert res['norm_precision'] == approx(25.0)
    # precision curve: err 0 from 0 px, err 5 from 5 px, 18.03 from 19 px
    prec = res['precision_curve']
    assert prec.shape == (51, )
    assert [prec[0], prec[4], prec[5], prec[18], prec[19], prec[50]] == \
        approx([25, 25, 50, 50, 75, 75])
    # norm curve: 0 from 0, 0.5 only at the last threshold (0.50)
    norm = res['norm_precision_curve']
    assert norm.shape == (51, )
    assert [norm[0], norm[49], norm[50]] == approx([25, 25, 50])


def test_ope_without_visibility_flags():
    # f3 now counts: IoUs [1, 1/3, 0, 1] -> 3/4 for tau 0 .. 0.30 (7),
    # 2/4 for 0.35 .. 0.95 (13), 0 at 1.0: AUC = (5.25 + 6.5) / 21
    res = eval_sot_ope([PRED_A], [GT_A])
    assert res['success'] == approx(11.75 / 21 * 100)  # 55.952381
    assert res['op50'] == approx(50.0)
    assert res['precision'] == approx(100.0)  # errors 0, 5, 18.03, 0
    assert res['norm_precision'] == approx(50.0)  # 0, .5, .9, 0
    # a None entry is the same as no flags
    assert eval_sot_ope([PRED_A], [GT_A], [None])['success'] == \
        approx(res['success'])


def test_ope_invalid_gt_frames_stay_in_denominator():
    # f1 GT has zero size, f2 GT is unknown (NaN): both IoU -1, err inf
    gt = [[0, 0, 10, 10], [3, 3, 0, 0], [np.nan] * 4, [0, 0, 10, 10]]
    pred = [[0, 0, 10, 10], [3, 3, 5, 5], [0, 0, 10, 10], [0, 0, 10, 10]]
    res = eval_sot_ope([pred], [gt])
    # IoUs [1, -1, -1, 1]: 2/4 for tau 0 .. 0.95 (20 values), 0 at 1.0
    assert res['success'] == approx(20 * 0.5 / 21 * 100)  # 47.619048
    assert res['op75'] == approx(50.0)
    assert res['precision'] == approx(50.0)
    # official quirk: frames invalid through their GT have normalised error
    # -1, a success -> 4/4
    assert res['norm_precision'] == approx(100.0)
    # flagged invisible instead: +inf, a failure -> 2/4
    res = eval_sot_ope([pred], [gt], [[True, False, False, True]])
    assert res['norm_precision'] == approx(50.0)


def test_ope_averages_over_sequences():
    # B: 2 frames, both perfect -> curve 1 for tau < 1, AUC 20/21,
    # precision 1, norm precision 1
    gt_b = [[0, 0, 10, 10], [0, 0, 10, 10]]
    pred_b = [[3, 3, 1, 1], [0, 0, 10, 10]]
    res = eval_sot_ope([PRED_A, pred_b], [GT_A, gt_b], [VIS_A, None],
                       names=['bird-1', 'car-2'])
    # the mean of the per-sequence figures, not pooled over the 6 frames
    assert res['success'] == approx((AUC_A + 20 / 21) / 2 * 100)  # 63.69
    assert res['op50'] == approx((25 + 100) / 2)
    assert res['precision'] == approx((75 + 100) / 2)
    assert res['norm_precision'] == approx((25 + 100) / 2)
    assert res['success_curve'] == approx(
        (np.array(CURVE_A) + np.array([1.0] * 20 + [0.0])) / 2 * 100)


def test_ope_normalised_error_divides_by_the_gt_width_and_height():
    # GT (0,0,40,10) twice; f1 pred (4,1,20,10): centres (13.5, 5.5) vs
    # (19.5, 4.5), offset (-6, 1) -> hypot(6 / 40, 1 / 10) = 0.180
    # (w / h swapped: hypot(6/10, 1/40) = 0.60; over the predicted size:
    # hypot(6/20, 1/10) = 0.32)
    out = eval_sot_ope([[[0, 0, 40, 10], [4, 1, 20, 10]]],
                       [[[0, 0, 40, 10], [0, 0, 40, 10]]])
    curve = out['norm_precision_curve']
    assert curve[18] == approx(50) and curve[19] == approx(100)
    assert out['norm_precision'] == approx(100)
    # the centre error is 6.08 px: precision curve 50 up to 6, then 100
    assert out['precision_curve'][6] == approx(50)
    assert out['precision_curve'][7] == approx(100)


def test_ope_reports_the_curves_at_0_5_0_75_20px_and_0_2():
    # IoUs 1 (f0 = GT), 0.47, 0.52, 0.72, 0.77 (width w of 100):
    # OP50 = #{> 0.5} / 5 = 4/5 (0.45 would give 5/5, 0.55 3/5),
    # OP75 = 2/5 (0.70 would give 3/5, 0.80 1/5)
    gt = [[0, 0, 100, 10]] * 5
    pred = [[0, 0, w, 10] for w in (100, 47, 52, 72, 77)]
    out = eval_sot_ope([pred], [gt])
    assert out['op50'] == approx(80) and out['op75'] == approx(40)
    # centre errors 0, 20, 20.5 px (x shifts), GT 100 x 100: precision at
    # 20 px = 2/3 (19 px: 1/3, 21 px: 3/3); normalised 0, 0.2, 0.205:
    # at 0.2 = 2/3 (0.19: 1/3, 0.21: 3/3)
    gt = [[0, 0, 100, 100]] * 3
    pred = [[0, 0, 100, 100], [20, 0, 100, 100], [20.5, 0, 100, 100]]
    out = eval_sot_ope([pred], [gt])
    assert out['precision'] == approx(200 / 3)
    assert out['norm_precision'] == approx(200 / 3)


def test_ope_validation_errors():
    with pytest.raises(ValueError, match=r'different lengths of pred \(3\) '
                       r'and gt \(4\) for sequence bird-1'):
        eval_sot_ope([PRED_A[:3]], [GT_A], names=['bird-1'])
    with pytest.raises(ValueError, match=r'for sequence #1 must have shape '
                       r'\(N, 4\)'):
        eval_sot_ope([PRED_A, [[0, 0, 1]]], [GT_A, [[0, 0, 1, 1]]])
    with pytest.raises(ValueError, match=r'visible for sequence #0 must '
                       r'have shape \(4,\)'):
        eval_sot_ope([PRED_A], [GT_A], [[True, False]])
    with pytest.raises(ValueError, match='predictions for 2 sequences but '
                       'ground truth for 1'):
        eval_sot_ope([PRED_A, PRED_A], [GT_A])
    with pytest.raises(ValueError, match='is empty'):
        eval_sot_ope([np.zeros((0, 4))], [np.zeros((0, 4))])


# GOT-10k: sequence C (4 frames, covers [8, 8, 0, 3]), GT (0,0,10,10):
#   f0 pred (100,100,1,1): dropped (frame 0 is never scored)
#   f1 pred (0,0,10,10): IoU 1
#   f2 pred (5,0,10,10): IoU 1/3, but cover 0 -> dropped
#   f3 pred (0,0,10,5): IoU 50/100 = 0.5
# sequence D (4 frames, no covers), GT (0,0,10,10):
#   f1 pred (0,0,10,7): IoU 0.7; f2 pred (20,20,5,5): IoU 0;
#   f3 pred (0,0,10,10): IoU 1
GT_C = [[0, 0, 10, 10]] * 4
PRED_C = [[100, 100, 1, 1], [0, 0, 10, 10], [5, 0, 10, 10], [0, 0, 10, 5]]
COVER_C = [8, 8, 0, 3]
GT_D = [[0, 0, 10, 10]] * 4
PRED_D = [[1, 1, 1, 1], [0, 0, 10, 7], [20, 20, 5, 5], [0, 0, 10, 10]]


def test_got10k_drops_frame0_and_cover0_and_pools():
    res = eval_got10k([PRED_C, PRED_D], [GT_C, GT_D], [COVER_C, None])
    # pooled IoUs [1, 0.5, 0.7, 0, 1]: AO = 3.2 / 5 (the mean of the
    # sequence means would be (0.75 + 1.7/3) / 2 = 0.658)
    assert set(res) == {'ao', 'sr50', 'sr75'}
    assert res['ao'] == approx(64.0)
    assert res['sr50'] == approx(60.0)  # 1, 0.7, 1 (0.5 is not > 0.5)
    assert res['sr75'] == approx(40.0)  # 1, 1
    # no covers: f2 of C is back: [1, 1/3, .5, .7, 0, 1]
    res = eval_got10k([PRED_C, PRED_D], [GT_C, GT_D])
    assert res['ao'] == approx((3.2 + 1 / 3) / 6 * 100)  # 58.888889
    assert res['sr50'] == approx(50.0)
    assert res['sr75'] == approx(100 / 3)


def test_got10k_errors():
    with pytest.raises(ValueError, match='no frame left'):
        eval_got10k([[[0, 0, 1, 1]]], [[[0, 0, 1, 1]]])
    with pytest.raises(ValueError, match=r'different lengths of pred \(3\) '
                       r'and gt \(4\) for sequence #0'):
        eval_got10k([PRED_C[:3]], [GT_C])
    with pytest.raises(ValueError, match=r'cover for sequence #0 must have '
                       r'shape \(4,\)'):
        eval_got10k([PRED_C], [GT_C], [[1, 1]])


def _frames(video_id, name, preds, gts, visible=None, cover=None):
    out = []
    for i, (pred, gt) in enumerate(zip(preds, gts)):
        frame = dict(video_id=video_id, frame_id=i, video_length=len(gts),
                     video_name=name, pred_bbox=list(pred),
                     gt_bbox=list(gt), score=0.9)
        if visible is not None:
            frame['visible'] = visible[i]
        if cover is not None:
            frame['cover'] = cover[i]
        out.append(frame)
    return out


def _feed(metric, frames):
    """Shuffled, in batches of 3; some as tensors / data elements."""
    order = np.random.RandomState(0).permutation(len(frames))
    frames = [dict(frames[i]) for i in order]
    frames[0]['pred_bbox'] = torch.tensor(frames[0]['pred_bbox'])
    frames[1] = BaseDataElement(metainfo=frames[1])  # has to_dict()
    for start in range(0, len(frames), 3):
        metric.process({}, frames[start:start + 3])


def test_sot_metric_ope_end_to_end(tmp_path):
    # car-2: f0 init, f1 perfect, f2 pred (0.6,0.4,9.9,9.7) vs (0,0,10,10):
    # inter (10 - 0.6) * (10 - 0.4) = 90.24, union 100 + 96.03 - 90.24 =
    # 105.79, IoU 0.853 -> a success up to tau 0.85 (18 values), then 2/3
    # at 0.90 and 0.95, 0 at 1: AUC = (18 + 4/3) / 21 = 58/63; centre
    # offset (0.55, 0.25): precision and norm precision 1
    gt_b = [[0, 0, 10, 10]] * 3
    pred_b = [[1.9, 2.5, 3.99, 4.2], [0, 0, 10, 10], [0.6, 0.4, 9.9, 9.7]]
    frames = (_frames(7, 'bird-1', PRED_A, GT_A, visible=VIS_A) +
              _frames(3, 'car-2', pred_b, gt_b))
    # float boxes here; integer truncation is checked below
    metric = METRICS.build(dict(type='SOTMetric', outfile_prefix=str(
        tmp_path / 'lasot'), only_eval_visible=True, integer_boxes=False))
    assert isinstance(metric, SOTMetric)
    _feed(metric, frames)
    res = metric.evaluate(size=len(frames))
    assert list(res) == ['sot/success', 'sot/norm_precision',
                         'sot/precision', 'sot/op50', 'sot/op75']
    assert res['sot/success'] == approx((AUC_A + 58 / 63) / 2 * 100)
    assert res['sot/norm_precision'] == approx((25 + 100) / 2)
    assert res['sot/precision'] == approx((75 + 100) / 2)
    assert res['sot/op50'] == approx((25 + 100) / 2)
    assert res['sot/op75'] == approx((25 + 100) / 2)
    # official text format: the init GT box first, then the raw
    # predictions (the zero-width one too) truncated to int
    assert (tmp_path / 'lasot' / 'bird-1.txt').read_text() == (
        '0\t0\t10\t10\n5\t0\t10\t10\n10\t10\t0\t5\n0\t0\t10\t10\n')
    assert (tmp_path / 'lasot' / 'car-2.txt').read_text() == (
        '0\t0\t10\t10\n0\t0\t10\t10\n0\t0\t9\t9\n')
    assert sorted(p.name for p in (tmp_path / 'lasot').iterdir()) == [
        'bird-1.txt', 'car-2.txt'
    ]  # no .tmp left behind

    # only_eval_visible=False (the OPE default): bird-1's f3 counts
    # (AUC 11.75/21)
    metric = SOTMetric(integer_boxes=False)
    _feed(metric, frames)
    res = metric.compute_metrics(metric.results)
    assert res['success'] == approx((11.75 / 21 + 58 / 63) / 2 * 100)

    # integer boxes, as the official files: car-2 f2 becomes (0, 0, 9, 9),
    # IoU 0.81 -> a success up to tau 0.80 (17 values), 2/3 at 0.85-0.95,
    # 0 at 1: AUC 19/21 (bird-1's predictions are integers already)
    metric = SOTMetric(only_eval_visible=True)
    _feed(metric, frames)
    res = metric.compute_metrics(metric.results)
    assert res['success'] == approx((AUC_A + 19 / 21) / 2 * 100)


def test_sot_metric_got10k_end_to_end(tmp_path):
    # C with covers; D without covers but f2 invisible -> dropped:
    # pooled IoUs [1, 0.5] + [0.7, 1]: AO 3.2/4, SR50 3/4, SR75 2/4
    frames = (_frames(0, 'GOT-10k_Val_000001', PRED_C, GT_C, cover=COVER_C)
              + _frames(1, 'GOT-10k_Val_000002', PRED_D, GT_D,
                        visible=[True, True, False, True]))
    metric = SOTMetric(metric='GOT10k', outfile_prefix=str(tmp_path))
    _feed(metric, frames)
    res = metric.compute_metrics(metric.results)
    assert dict(res) == approx(dict(ao=80.0, sr50=75.0, sr75=50.0))
    path = tmp_path / 'GOT-10k_Val_000001' / 'GOT-10k_Val_000001_001.txt'
    assert path.read_text().splitlines() == [
        '0.0000,0.0000,10.0000,10.0000', '0.0000,0.0000,10.0000,10.0000',
        '5.0000,0.0000,10.0000,10.0000', '0.0000,0.0000,10.0000,5.0000'
    ]
    assert (tmp_path / 'GOT-10k_Val_000002' /
            'GOT-10k_Val_000002_001.txt').exists()
    # the server also wants the seconds per frame (0 when not measured)
    times = tmp_path / 'GOT-10k_Val_000001' / 'GOT-10k_Val_000001_time.txt'
    assert times.read_text().splitlines() == ['0.0000'] * 4


def test_sot_metric_trackingnet_delimiter(tmp_path):
    frames = _frames(0, 'tn-1', [[0, 0, 1, 1], [4.7, 5.2, 10.9, 19.99]],
                     [[2, 3, 10, 20], [0, 0, 0, 0]])
    metric = SOTMetric(outfile_prefix=str(tmp_path), format_only=True,
                       delimiter=',')
    _feed(metric, frames)
    assert metric.compute_metrics(metric.results) == {}
    assert (tmp_path / 'tn-1.txt').read_text() == '2,3,10,20\n4,5,10,19\n'


def test_sot_metric_format_only_unknown_gt(tmp_path):
    # a test split: only the first GT box is known
    gts = [[2, 3, 10, 20], [0, 0, 0, 0], [0, 0, 0, 0]]
    preds = [[0, 0, 1, 1], [4.7, 5.2, 10.9, 19.99], [-0.5, 6.0, 11.0, 21.0]]
    frames = _frames(0, 'airplane-1', preds, gts)
    frames[2]['gt_bbox'] = [np.nan] * 4
    metric = SOTMetric(outfile_prefix=str(tmp_path), format_only=True)
    metric.process({}, frames)
    assert metric.compute_metrics(metric.results) == {}
    # x2 - x1 of 4.7 + 10.9 is 10.9 (maybe 10.899..): int 10; -0.5 -> 0
    assert (tmp_path / 'airplane-1.txt').read_text().splitlines() == [
        '2\t3\t10\t20', '4\t5\t10\t19', '0\t6\t11\t21'
    ]
    with pytest.raises(ValueError, match='needs outfile_prefix'):
        SOTMetric(format_only=True)
    with pytest.raises(ValueError, match='not supported'):
        SOTMetric(metric='VOT')


def test_sot_metric_length_mismatch_and_bad_samples():
    frames = _frames(0, 'bird-1', PRED_A, GT_A)
    metric = SOTMetric()
    metric.process({}, [frames[i] for i in (0, 1, 3)])
    with pytest.raises(ValueError, match=r'sequence bird-1 has 3 frames but '
                       r'video_length 4; missing frame ids \[2\]'):
        metric.compute_metrics(metric.results)

    metric = SOTMetric()
    metric.process({}, frames + [frames[2]])
    with pytest.raises(ValueError, match=r'duplicate or out-of-range ids '
                       r'\[2\]'):
        metric.compute_metrics(metric.results)

    bad = dict(frames[0])
    del bad['video_name']
    with pytest.raises(KeyError, match='video_name'):
        SOTMetric().process({}, [bad])
    bad = dict(frames[0], pred_bbox=[1, 2, 3])
    with pytest.raises(ValueError, match='pred_bbox of frame 0 of video '
                       'bird-1 must hold 4 numbers'):
        SOTMetric().process({}, [bad])
