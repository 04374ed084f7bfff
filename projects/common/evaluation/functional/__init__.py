"""Metric computations on plain numpy arrays (no mmengine state)."""
from .sot_ope import (box_iou_xywh, eval_got10k, eval_sot_ope,
                      fix_predictions, success_curve)

__all__ = [
    'box_iou_xywh', 'eval_got10k', 'eval_sot_ope', 'fix_predictions',
    'success_curve'
]
