"""IoU-aware binary cross-entropy for DETR classification."""
from typing import Optional, Tuple

import torch.nn.functional as F
from torch import Tensor

from mmdet.models.losses import QualityFocalLoss
from mmdet.registry import MODELS


def iou_aware_bce_loss(logits: Tensor,
                       labels: Tensor,
                       ious: Tensor,
                       alpha: float = 0.25,
                       gamma: float = 2.0) -> Tensor:
    """Element-wise IoU-aware BCE (the classification loss of Relation-DETR,
    in the varifocal family).

    The target of a matched query is its IoU with the ground truth at the GT
    class and 0 elsewhere; positives are weighted by that target, negatives
    by ``(1 - alpha) * p ** gamma`` with ``p`` the detached probability.

    Args:
        logits (Tensor): (N, C) classification logits.
        labels (Tensor): (N, ) class index, ``C`` for background.
        ious (Tensor): (N, ) IoU of each query with its matched GT (ignored
            for background); detached by the caller.
        alpha (float): Weight of the negatives. Defaults to 0.25.
        gamma (float): Focusing exponent of the negatives. Defaults to 2.

    Returns:
        Tensor: (N, C) unreduced loss.
    """
    num_classes = logits.size(-1)
    onehot = F.one_hot(labels, num_classes + 1)[:, :num_classes].to(
        logits.dtype)
    target = onehot * ious.to(logits.dtype)[:, None]
    prob = logits.sigmoid().detach()
    weight = (1 - alpha) * prob.pow(gamma) * (1 - onehot) + target
    return F.binary_cross_entropy_with_logits(
        logits, target, weight=weight, reduction='none')


@MODELS.register_module()
class IoUAwareBCELoss(QualityFocalLoss):
    """IoU-aware BCE loss (:func:`iou_aware_bce_loss`), as used by
    `Relation-DETR <https://arxiv.org/abs/2407.11699>`_ for every
    classification term.

    It subclasses :class:`mmdet.models.losses.QualityFocalLoss` only so that
    mmdet's DETR heads (``DETRHead.loss_by_feat_single``,
    ``DINOHead._loss_dn_single``) hand it ``(labels, ious)`` targets with the
    detached IoU of each matched prediction; the computation is its own.

    Args:
        alpha (float): Weight of the negatives. Defaults to 0.25.
        gamma (float): Focusing exponent of the negatives. Defaults to 2.
        reduction (str): 'none', 'mean' or 'sum'. Defaults to 'mean'.
        loss_weight (float): Defaults to 1.0.
    """

    def __init__(self,
                 alpha: float = 0.25,
                 gamma: float = 2.0,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        super().__init__(
            use_sigmoid=True, beta=gamma, reduction=reduction,
            loss_weight=loss_weight)
        self.alpha = alpha
        self.gamma = gamma

    def forward(self,
                pred: Tensor,
                target: Tuple[Tensor, Tensor],
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        """Args follow QualityFocalLoss: ``target`` is (labels, ious);
        ``weight`` is per sample (N, ); the sum is divided by
        ``avg_factor`` when given."""
        reduction = reduction_override or self.reduction
        labels, ious = target
        loss = iou_aware_bce_loss(pred, labels, ious, self.alpha, self.gamma)
        if weight is not None:
            loss = loss * weight.reshape(-1, 1).to(loss.dtype)
        if reduction == 'none':
            pass
        elif avg_factor is not None and reduction == 'mean':
            loss = loss.sum() / avg_factor
        elif reduction == 'mean':
            loss = loss.mean()
        else:
            loss = loss.sum()
        return self.loss_weight * loss
