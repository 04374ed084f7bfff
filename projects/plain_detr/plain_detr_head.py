"""Plain-DETR head: Deformable-DETR's losses on the one-to-one queries plus
the one-to-many ones (H-DETR hybrid matching)."""
from typing import List, Optional

from torch import Tensor

from mmdet.models.dense_heads import DeformableDETRHead, DETRHead
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from projects.common.models import repeat_instances


@MODELS.register_module()
class PlainDETRHead(DeformableDETRHead):
    """Head of `Plain-DETR <https://arxiv.org/abs/2308.01904>`_.

    Deviations from :class:`mmdet.models.DeformableDETRHead`: in training
    the queries after the first ``num_queries_one2one`` are one-to-many
    queries, matched on every decoder layer to the ground truth repeated
    ``k_one2many`` times; their losses (no encoder term) are added with
    the suffix ``_one2many``, weighted by ``lambda_one2many``. The encoder
    term is Deformable-DETR's: every proposal token against the ground
    truth relabelled 0 (objectness). Prediction uses the one-to-one queries
    only (all there are at test time).

    Args:
        k_one2many (int): Copies of the ground truth (6).
        lambda_one2many (float): Weight of the one-to-many losses (1.0).
        **kwargs: As :class:`mmdet.models.DeformableDETRHead`.
    """

    def __init__(self, *args, k_one2many: int = 6,
                 lambda_one2many: float = 1.0, **kwargs) -> None:
        self.k_one2many = k_one2many
        self.lambda_one2many = lambda_one2many
        super().__init__(*args, **kwargs)

    def loss(self, hidden_states: Tensor, references: List[Tensor],
             enc_outputs_class: Tensor, enc_outputs_coord: Tensor,
             batch_data_samples: SampleList,
             num_queries_one2one: Optional[int] = None) -> dict:
        """One-to-one losses (decoder layers + encoder) and, when there are
        more queries than ``num_queries_one2one``, the one-to-many ones."""
        batch_gt_instances = [s.gt_instances for s in batch_data_samples]
        batch_img_metas = [s.metainfo for s in batch_data_samples]
        cls_scores, bbox_preds = self(hidden_states, references)
        n = cls_scores.shape[2] if num_queries_one2one is None else \
            num_queries_one2one
        losses = self.loss_by_feat(cls_scores[:, :, :n], bbox_preds[:, :, :n],
                                   enc_outputs_class, enc_outputs_coord,
                                   batch_gt_instances, batch_img_metas)
        if cls_scores.shape[2] > n:
            repeated = repeat_instances(batch_gt_instances, self.k_one2many)
            one2many = DETRHead.loss_by_feat(
                self, cls_scores[:, :, n:], bbox_preds[:, :, n:], repeated,
                batch_img_metas)
            losses.update({f'{k}_one2many': v * self.lambda_one2many
                           for k, v in one2many.items()})
        return losses
