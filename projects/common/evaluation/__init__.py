"""Evaluation, in mmdet's layout: ``metrics/`` holds the mmengine metrics
(:class:`ExDarkMetric`, :class:`PIDrayMetric`, :class:`SOTMetric`) and
``functional/`` the numpy computations behind them (SOT OPE / GOT-10k)."""
from .functional import (box_iou_xywh, eval_got10k, eval_sot_ope,
                         fix_predictions, success_curve)
from .metrics import ExDarkMetric, PIDrayMetric, SOTMetric

__all__ = [
    'ExDarkMetric', 'PIDrayMetric', 'SOTMetric', 'box_iou_xywh',
    'eval_got10k', 'eval_sot_ope', 'fix_predictions', 'success_curve'
]
