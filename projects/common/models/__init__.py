"""DETR bricks shared by several methods, each usable alone."""
from .iou_aware_bce_loss import IoUAwareBCELoss, iou_aware_bce_loss
from .ms_deform_attn import (AutoMultiScaleDeformableAttention,
                             kernel_available, ms_deform_attn, use_auto_msda)
from .one_to_many import repeat_instances
from .query_selection import select_topk_proposals

__all__ = [
    'AutoMultiScaleDeformableAttention', 'IoUAwareBCELoss',
    'iou_aware_bce_loss', 'kernel_available', 'ms_deform_attn',
    'repeat_instances', 'select_topk_proposals', 'use_auto_msda'
]
