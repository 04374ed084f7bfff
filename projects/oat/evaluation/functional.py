"""Scanpath measures on object-index sequences (numpy only), as OAT
(ECCV 2024) reports them; the official definitions are in
``src/evaluation/saliency_metric.py`` and ``evaluation_full.py``
(HKUST-NISL/oat_eccv24).
"""
from itertools import groupby
from typing import Optional, Sequence, Tuple

import numpy as np

#: the five behavioural statistics, in OAT's order
BEHAVIOUR_KEYS = ('correct', 'length', 'search', 'refix', 'revisit')
#: the four MultiMatch measures that do not need durations
MULTIMATCH_KEYS = ('vector', 'direction', 'length', 'position')


def sequence_score(pred: Sequence[int], gt: Sequence[int]) -> float:
    """Needleman-Wunsch alignment score of two object sequences: match 1,
    mismatch 0, gap 0, divided by the longer length."""
    if len(pred) == 0 and len(gt) == 0:
        raise ValueError('sequence_score: both sequences are empty')
    score = np.zeros((len(pred) + 1, len(gt) + 1))
    for i, a in enumerate(pred, 1):
        for j, b in enumerate(gt, 1):
            score[i, j] = max(score[i - 1, j - 1] + (a == b),
                              score[i - 1, j], score[i, j - 1])
    return float(score[-1, -1] / max(len(pred), len(gt)))


def edit_distance(a: Sequence[int], b: Sequence[int]) -> int:
    """Levenshtein distance (insert, delete, substitute: cost 1 each)."""
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1,
                           prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def path_behaviour(path: Sequence[int], target: int) -> np.ndarray:
    """The five statistics of one scanpath: ends on the target (0/1),
    length, and the search / refixation / revisit ratios.

    The path is cut into runs of one object; a run on an object seen in an
    earlier run is a revisit, else a search; every fixation after the
    first of a run is a refixation (search + refix + revisit = length).
    """
    if len(path) == 0:
        raise ValueError('path_behaviour: empty scanpath')
    search = refix = revisit = 0
    seen = set()
    for obj, run in groupby(path):
        refix += len(list(run)) - 1
        if obj in seen:
            revisit += 1
        else:
            search += 1
        seen.add(obj)
    n = len(path)
    return np.array([float(path[-1] == target), n, search / n, refix / n,
                     revisit / n])


def behaviour_statistics(trials: Sequence[Tuple[Sequence[Sequence[int]],
                                                 int]]) -> np.ndarray:
    """Population statistics over ``(paths, target)`` trials: each trial's
    paths (one, or the samples of a stochastic model) are averaged first,
    then the trials are averaged, as OAT's ``evaluation_full.py``."""
    per_trial = [
        np.mean([path_behaviour(p, t) for p in paths], axis=0)
        for paths, t in trials
    ]
    return np.mean(per_trial, axis=0)


def behaviour_delta(model: np.ndarray, human: np.ndarray) -> float:
    """OAT's behavioural Delta: the mean over the five statistics of
    |model - human| / human. Statistics that are 0 for the humans cannot
    be normalised and are left out (NaN if all are 0)."""
    model, human = np.asarray(model, float), np.asarray(human, float)
    keep = human != 0
    if not keep.any():
        return float('nan')
    return float(np.mean(np.abs(model[keep] - human[keep]) / human[keep]))


def _fixation_record(xy: np.ndarray) -> np.ndarray:
    """OAT's MultiMatch input: x, y and a constant duration 1; a path of
    fewer than 3 fixations is completed with points (1, 1), as in the
    official ``calculate_mm.py``."""
    n = max(len(xy), 3)
    rec = np.ones(n, dtype=[('start_x', 'f8'), ('start_y', 'f8'),
                            ('duration', 'f8')])
    if len(xy):
        rec['start_x'][:len(xy)] = xy[:, 0]
        rec['start_y'][:len(xy)] = xy[:, 1]
    return rec


def multimatch(pred_xy: np.ndarray, gt_xy: np.ndarray,
               screen_size: Tuple[float, float]) -> np.ndarray:
    """MultiMatch vector, direction, length and position similarity
    (``multimatch-gaze``; durations are constant, so the duration measure
    is not used) of two fixation sequences in pixels. ``screen_size`` is
    (width, height)."""
    import multimatch_gaze
    pred_xy = np.asarray(pred_xy, float).reshape(-1, 2)
    gt_xy = np.asarray(gt_xy, float).reshape(-1, 2)
    scores = multimatch_gaze.docomparison(
        _fixation_record(pred_xy), _fixation_record(gt_xy),
        screensize=list(screen_size))
    return np.asarray(scores, float).reshape(-1)[:4]


def objects_to_points(path: Sequence[int], boxes: np.ndarray,
                      centres: Optional[np.ndarray] = None) -> np.ndarray:
    """Object indices -> the centres (x, y) of their boxes (x1, y1, x2,
    y2)."""
    if centres is None:
        boxes = np.asarray(boxes, float).reshape(-1, 4)
        centres = (boxes[:, :2] + boxes[:, 2:]) / 2
    return centres[np.asarray(path, int)] if len(path) else np.zeros((0, 2))
