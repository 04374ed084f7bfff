"""Scanpath measures on hand-computed cases (OAT's definitions)."""
import numpy as np
import pytest

from projects.oat.evaluation import (ScanpathMetric, behaviour_delta,
                                     behaviour_statistics, edit_distance,
                                     multimatch, path_behaviour,
                                     sequence_score)
from projects.oat.evaluation.functional import _fixation_record


def test_sequence_score_needleman_wunsch_match_1_gap_0():
    assert sequence_score([1, 2, 3], [1, 3]) == pytest.approx(2 / 3)
    assert sequence_score([1, 2], [2, 1]) == pytest.approx(1 / 2)
    assert sequence_score([4, 4, 4], [4]) == pytest.approx(1 / 3)
    assert sequence_score([5, 6, 7, 8], [5, 6, 7, 8]) == 1.0
    assert sequence_score([1], []) == 0.0
    with pytest.raises(ValueError):
        sequence_score([], [])


def test_edit_distance_levenshtein():
    assert edit_distance([1, 2, 3], [1, 3]) == 1
    # kitten -> sitting
    assert edit_distance([10, 8, 19, 19, 4, 13],
                         [18, 8, 19, 19, 8, 13, 6]) == 3
    assert edit_distance([], [1, 2]) == 2
    assert edit_distance([3, 3], [3, 3]) == 0


def test_behaviour_of_one_path_by_hand():
    """[1,1,2,1,3,3], target 3: runs 1(x2) 2 1 3(x2): search 3 (1, 2, 3),
    revisit 1 (back to 1), refixations 2; ends on the target."""
    stats = path_behaviour([1, 1, 2, 1, 3, 3], 3)
    np.testing.assert_allclose(stats, [1, 6, 3 / 6, 2 / 6, 1 / 6])
    assert stats[2:].sum() == pytest.approx(1)
    np.testing.assert_allclose(path_behaviour([2, 4], 3),
                               [0, 2, 1, 0, 0])


def test_population_statistics_average_paths_then_trials():
    trials = [([[1, 3], [1, 1, 3, 3]], 3), ([[5]], 7)]
    stats = behaviour_statistics(trials)
    first = (path_behaviour([1, 3], 3) + path_behaviour([1, 1, 3, 3], 3)) / 2
    np.testing.assert_allclose(stats, (first + path_behaviour([5], 7)) / 2)


def test_delta_by_hand_skips_statistics_humans_never_show():
    human = np.array([1.0, 10.0, 0.5, 0.25, 0.25])
    model = np.array([0.5, 12.0, 0.5, 0.5, 0.0])
    expected = np.mean([0.5, 0.2, 0.0, 1.0, 1.0])
    assert behaviour_delta(model, human) == pytest.approx(expected)
    human[4] = 0.0
    assert behaviour_delta(model, human) == pytest.approx(
        np.mean([0.5, 0.2, 0.0, 1.0]))


def test_multimatch_is_the_package_with_constant_durations_and_padding():
    import multimatch_gaze
    a = np.array([[100., 100.], [400., 300.], [250., 600.], [700., 500.]])
    b = np.array([[120., 90.], [380., 320.], [600., 550.]])
    ours = multimatch(a, b, (1024, 768))
    rec = lambda xy: np.array(  # noqa: E731
        [(x, y, 1.0) for x, y in xy],
        dtype=[('start_x', 'f8'), ('start_y', 'f8'), ('duration', 'f8')])
    ref = multimatch_gaze.docomparison(rec(a), rec(b), screensize=[1024, 768])
    np.testing.assert_allclose(ours, np.asarray(ref).reshape(-1)[:4])
    assert ((ours > 0) & (ours <= 1)).all()
    # shorter than 3: completed with (1, 1) points as OAT's calculate_mm.py
    short = _fixation_record(np.array([[50., 60.]]))
    assert len(short) == 3 and short['start_x'].tolist() == [50., 1., 1.]
    assert np.isfinite(multimatch(a[:1], b, (1024, 768))).all()


def test_metric_end_to_end_on_hand_made_samples():
    boxes = np.array([[0, 0, 10, 10], [10, 0, 20, 10], [20, 0, 30, 10]],
                     float)
    samples = [
        dict(pred_scanpaths=[[0, 1, 2]], gt_scanpath=np.array([0, 2]),
             target=2, boxes=boxes, ori_shape=(10, 30)),
        dict(pred_scanpaths=[[1], [1, 1]], gt_scanpath=[1, 0, 1],
             target=1, boxes=boxes, ori_shape=(10, 30),
             gt_fixations=np.array([[14., 5.], [3., 4.], [16., 6.]])),
    ]
    metric = ScanpathMetric()
    metric.process({}, samples)
    out = metric.compute_metrics(metric.results)
    ss = (2 / 3 + (1 / 3 + 2 / 3) / 2) / 2  # [1] and [1, 1] vs [1, 0, 1]
    ed = (1 + (2 + 1) / 2) / 2
    assert out['ss'] == pytest.approx(ss)
    assert out['ed'] == pytest.approx(ed)
    assert out['correct'] == pytest.approx(1.0)
    assert out['human_correct'] == pytest.approx(1.0)
    for key in ('mm_vector', 'mm_direction', 'mm_length', 'mm_position',
                'mm_mean', 'delta'):
        assert np.isfinite(out[key]), key
    with pytest.raises(KeyError, match='pred_scanpath'):
        ScanpathMetric().process({}, [dict(gt_scanpath=[1], target=1,
                                           boxes=boxes, ori_shape=(1, 1))])
