"""OAT's scanpath measures as an mmengine metric."""
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from mmdet.registry import METRICS
from .functional import (BEHAVIOUR_KEYS, MULTIMATCH_KEYS, behaviour_delta,
                         behaviour_statistics, edit_distance, multimatch,
                         objects_to_points, sequence_score)


def _ints(value) -> List[int]:
    if hasattr(value, 'tolist'):
        value = value.tolist()
    return [int(v) for v in value]


@METRICS.register_module()
class ScanpathMetric(BaseMetric):
    """Sequence score, edit distance, MultiMatch and the behavioural Delta
    of predicted scanpaths against the human ones (Fang et al., ECCV 2024).

    Every data sample needs ``pred_scanpaths`` (a list of paths: one, or
    the samples of a stochastic model; ``pred_scanpath`` alone also works),
    ``gt_scanpath``, ``target`` and ``boxes`` (x1, y1, x2, y2, to place
    predicted objects at their centres). MultiMatch compares those centres
    with the human fixations (``gt_fixations``, pixels) when the sample has
    them, as OAT does, else with the centres of the fixated objects; the
    screen is the image (``ori_shape``).

    Scores per trial are averaged over its paths, then over trials.
    Reported: ``ss``, ``ed``, ``mm_vector``, ``mm_direction``,
    ``mm_length``, ``mm_position``, ``mm_mean``, the five behaviour
    statistics of the model and of the humans (``human_*``), and ``delta``.

    Args:
        multimatch (bool): compute MultiMatch (the slowest part).
    """
    default_prefix = 'scanpath'

    def __init__(self, multimatch: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.use_multimatch = multimatch

    def process(self, data_batch, data_samples: Sequence) -> None:
        for s in data_samples:
            get = s.get if isinstance(s, dict) else (
                lambda k, d=None, s=s: getattr(s, k, d))
            preds = get('pred_scanpaths')
            if preds is None:
                single = get('pred_scanpath')
                if single is None:
                    raise KeyError('ScanpathMetric: a data sample has '
                                   'neither pred_scanpaths nor '
                                   'pred_scanpath; run a scanpath model')
                preds = [single]
            gt = get('gt_scanpath')
            if gt is None or len(gt) == 0:
                raise KeyError(f'ScanpathMetric: sample '
                               f'{get("trial_id", "?")} has no gt_scanpath '
                               f'to compare with')
            fix = get('gt_fixations')
            h, w = get('ori_shape')[:2]
            self.results.append(dict(
                preds=[_ints(p) for p in preds], gt=_ints(gt),
                target=int(get('target')),
                boxes=np.asarray(get('boxes'), float).reshape(-1, 4),
                gt_xy=None if fix is None else np.asarray(fix, float),
                size=(float(w), float(h))))

    def _multimatch(self, r: dict) -> np.ndarray:
        gt_xy = r['gt_xy'] if r['gt_xy'] is not None and len(r['gt_xy']) \
            else objects_to_points(r['gt'], r['boxes'])
        scores = [multimatch(objects_to_points(p, r['boxes']), gt_xy,
                             r['size']) for p in r['preds']]
        return np.nanmean(np.stack(scores), axis=0)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        out = dict(
            ss=np.mean([np.mean([sequence_score(p, r['gt'])
                                 for p in r['preds']]) for r in results]),
            ed=np.mean([np.mean([edit_distance(p, r['gt'])
                                 for p in r['preds']]) for r in results]))
        if self.use_multimatch:
            mm = np.stack([self._multimatch(r) for r in results])
            mm = np.nanmean(mm, axis=0)
            for key, value in zip(MULTIMATCH_KEYS, mm):
                out[f'mm_{key}'] = value
            out['mm_mean'] = float(np.mean(mm))
        model = behaviour_statistics([(r['preds'], r['target'])
                                      for r in results])
        human = behaviour_statistics([([r['gt']], r['target'])
                                      for r in results])
        for key, m, h in zip(BEHAVIOUR_KEYS, model, human):
            out[key] = m
            out[f'human_{key}'] = h
        out['delta'] = behaviour_delta(model, human)
        out = {k: float(v) for k, v in out.items()}
        print_log('scanpath: ' + ', '.join(f'{k} {v:.4f}'
                                           for k, v in out.items()),
                  logger='current')
        return out
