"""Relation-DETR head: DINO's losses plus the hybrid one-to-many branch."""
from typing import Dict, List

from torch import Tensor

from mmdet.models.dense_heads import DETRHead, DINOHead
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from projects.common.models import (BatchedTargetsMixin, ReferenceEpsMixin,
                                    repeat_instances)


@MODELS.register_module()
class RelationDETRHead(BatchedTargetsMixin, ReferenceEpsMixin, DINOHead):
    """Head of `Relation-DETR <https://arxiv.org/abs/2407.11699>`_.

    Deviations from :class:`mmdet.models.DINOHead`:

    * boxes are refined with ``inverse_sigmoid(eps=1e-3)`` as officially
      (:class:`ReferenceEpsMixin`; mmdet: 1e-5);
    * every classification term uses the IoU-aware BCE loss (set
      ``loss_cls=dict(type='IoUAwareBCELoss')`` in the config);
    * training adds the hybrid branch's losses (prefixed ``hybrid_``): the
      decoder outputs of every layer and the hybrid encoder proposals,
      matched by the same Hungarian assigner to the ground truth repeated
      ``hybrid_assign`` times (one-to-many). Prediction is DINO's.

    Not a deviation in what it computes: the Hungarian targets of a batch
    are built at once (:class:`BatchedTargetsMixin`; mmdet: image by
    image), the same targets in a fraction of the time on CPU.

    Args:
        hybrid_assign (int): Copies of the ground truth for the hybrid
            branch. Defaults to 6.
        **kwargs: As :class:`mmdet.models.DINOHead`.
    """

    def __init__(self, *args, hybrid_assign: int = 6, **kwargs) -> None:
        self.hybrid_assign = hybrid_assign
        super().__init__(*args, **kwargs)

    def loss(self,
             hidden_states: Tensor,
             references: List[Tensor],
             enc_outputs_class: Tensor,
             enc_outputs_coord: Tensor,
             batch_data_samples: SampleList,
             dn_meta: Dict[str, int],
             hybrid_hidden_states: Tensor = None,
             hybrid_references: List[Tensor] = None,
             hybrid_enc_outputs_class: Tensor = None,
             hybrid_enc_outputs_coord: Tensor = None) -> dict:
        """DINO's losses, plus the hybrid ones when their inputs are given."""
        losses = super().loss(hidden_states, references, enc_outputs_class,
                              enc_outputs_coord, batch_data_samples, dn_meta)
        if hybrid_hidden_states is None:
            return losses
        batch_img_metas = [s.metainfo for s in batch_data_samples]
        repeated = repeat_instances([s.gt_instances for s in batch_data_samples],
                                    self.hybrid_assign)
        cls_scores, bbox_preds = self(hybrid_hidden_states, hybrid_references)
        # one-to-many on every decoder layer (no denoising part here)
        hybrid = DETRHead.loss_by_feat(self, cls_scores, bbox_preds, repeated,
                                       batch_img_metas)
        enc_cls, enc_bbox, enc_iou = self.loss_by_feat_single(
            hybrid_enc_outputs_class, hybrid_enc_outputs_coord, repeated,
            batch_img_metas)
        hybrid.update(enc_loss_cls=enc_cls, enc_loss_bbox=enc_bbox,
                      enc_loss_iou=enc_iou)
        losses.update({f'hybrid_{k}': v for k, v in hybrid.items()})
        return losses
