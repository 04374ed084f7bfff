"""Plain-DETR head: Deformable-DETR's losses on the one-to-one queries plus
the one-to-many ones (H-DETR hybrid matching), in normalised or
re-parameterised (pixel, delta) box coordinates."""
from typing import List, Optional, Tuple

import torch
from mmengine.structures import InstanceData
from torch import Tensor

from mmdet.models.dense_heads import DeformableDETRHead, DETRHead
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy, bbox_xyxy_to_cxcywh
from mmdet.utils import InstanceList, reduce_mean
from projects.common.models import repeat_instances
from .box_reparam import (bbox2delta, delta2cxcywh, pack_reparam_boxes,
                          unpack_reparam_boxes)


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

    With ``reparam=True`` (set by :class:`PlainDETR`) the references and
    boxes are cxcywh pixels and each layer predicts a delta on its input
    reference (:mod:`.box_reparam`). The box output of every layer is then
    the 12-channel :func:`.box_reparam.pack_reparam_boxes` (boxes, deltas,
    references, the references not detached), the L1 loss compares the
    deltas with the targets encoded on the same references (gradients flow
    through the references, as in the official code) and the matcher must
    use :class:`.box_reparam.DeltaL1Cost`; GIoU compares pixel boxes.

    Args:
        k_one2many (int): Copies of the ground truth (6).
        lambda_one2many (float): Weight of the one-to-many losses (1.0).
        reparam (bool): Box re-parameterisation.
        **kwargs: As :class:`mmdet.models.DeformableDETRHead`.
    """

    def __init__(self, *args, k_one2many: int = 6,
                 lambda_one2many: float = 1.0, reparam: bool = False,
                 **kwargs) -> None:
        self.k_one2many = k_one2many
        self.lambda_one2many = lambda_one2many
        self.reparam = reparam
        costs = (kwargs.get('train_cfg') or {}).get('assigner', {}).get(
            'match_costs', [])
        l1_costs = {c.get('type') for c in costs} & {'BBoxL1Cost',
                                                     'DeltaL1Cost'}
        if l1_costs and l1_costs != {'DeltaL1Cost' if reparam else
                                     'BBoxL1Cost'}:
            raise ValueError(
                f'PlainDETRHead(reparam={reparam}): '
                f'train_cfg.assigner.match_costs has {sorted(l1_costs)}; '
                f'use {"DeltaL1Cost" if reparam else "BBoxL1Cost"} '
                f'(the re-parameterised recipe matches on deltas).')
        super().__init__(*args, **kwargs)

    # ------------------------------------------------------------ forward
    def forward(self, hidden_states: Tensor, references: List[Tensor],
                max_shape: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        """As the parent; with ``reparam`` each layer's delta is decoded on
        its reference (pixels, clipped to ``max_shape`` (B, 2) (H, W)) and
        the box output is the packed 12-channel tensor."""
        if not self.reparam:
            return super().forward(hidden_states, references)
        all_cls, all_boxes = [], []
        for lid, hidden in enumerate(hidden_states):
            deltas = self.reg_branches[lid](hidden)
            boxes = delta2cxcywh(references[lid], deltas, max_shape)
            all_cls.append(self.cls_branches[lid](hidden))
            all_boxes.append(
                pack_reparam_boxes(boxes, deltas, references[lid]))
        return torch.stack(all_cls), torch.stack(all_boxes)

    def loss(self, hidden_states: Tensor, references: List[Tensor],
             enc_outputs_class: Tensor, enc_outputs_coord: Tensor,
             batch_data_samples: SampleList,
             num_queries_one2one: Optional[int] = None,
             max_shape: Optional[Tensor] = None) -> dict:
        """One-to-one losses (decoder layers + encoder) and, when there are
        more queries than ``num_queries_one2one``, the one-to-many ones."""
        batch_gt_instances = [s.gt_instances for s in batch_data_samples]
        batch_img_metas = [s.metainfo for s in batch_data_samples]
        cls_scores, bbox_preds = self(hidden_states, references, max_shape)
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

    def predict(self, hidden_states: Tensor, references: List[Tensor],
                batch_data_samples: SampleList, rescale: bool = True,
                max_shape: Optional[Tensor] = None) -> InstanceList:
        """As the parent, with the boxes decoded as in :meth:`forward`."""
        batch_img_metas = [s.metainfo for s in batch_data_samples]
        outs = self(hidden_states, references, max_shape)
        return self.predict_by_feat(
            *outs, batch_img_metas=batch_img_metas, rescale=rescale)

    def _predict_by_feat_single(self, cls_score: Tensor, bbox_pred: Tensor,
                                img_meta: dict,
                                rescale: bool = True) -> InstanceData:
        """reparam: the pixel boxes are normalised by the image size so that
        the parent's clip to the image and rescale apply unchanged (the
        official post-process clips to the resized image, then scales by
        original / resized)."""
        if self.reparam:
            img_h, img_w = img_meta['img_shape']
            bbox_pred = unpack_reparam_boxes(bbox_pred)[0] / \
                bbox_pred.new_tensor([img_w, img_h, img_w, img_h])
        return super()._predict_by_feat_single(cls_score, bbox_pred,
                                               img_meta, rescale)

    # ------------------------------------------------------------ reparam loss
    def _get_targets_single(self, cls_score: Tensor, bbox_pred: Tensor,
                            gt_instances: InstanceData,
                            img_meta: dict) -> tuple:
        """reparam: match with the deltas and references at hand; the box
        targets are (N, 8): the ground-truth pixel box and its delta on the
        query's reference (official ``loss_boxes``, type ``reparam``)."""
        if not self.reparam:
            return super()._get_targets_single(cls_score, bbox_pred,
                                               gt_instances, img_meta)
        boxes, deltas, refs = unpack_reparam_boxes(bbox_pred)
        pred_instances = InstanceData(
            scores=cls_score, bboxes=bbox_cxcywh_to_xyxy(boxes),
            deltas=deltas, refs=refs)
        assign_result = self.assigner.assign(
            pred_instances=pred_instances, gt_instances=gt_instances,
            img_meta=img_meta)
        num = boxes.size(0)
        pos_inds = torch.nonzero(assign_result.gt_inds > 0,
                                 as_tuple=False).squeeze(-1).unique()
        neg_inds = torch.nonzero(assign_result.gt_inds == 0,
                                 as_tuple=False).squeeze(-1).unique()
        pos_gt = assign_result.gt_inds[pos_inds].long() - 1
        labels = boxes.new_full((num, ), self.num_classes, dtype=torch.long)
        labels[pos_inds] = gt_instances.labels[pos_gt]
        label_weights = boxes.new_ones(num)
        gt_boxes = bbox_xyxy_to_cxcywh(gt_instances.bboxes[pos_gt])
        bbox_targets = boxes.new_zeros(num, 8)
        bbox_targets[pos_inds] = torch.cat(
            [gt_boxes, bbox2delta(refs[pos_inds], gt_boxes)], -1)
        bbox_weights = boxes.new_zeros(num, 8)
        bbox_weights[pos_inds] = 1.0
        return (labels, label_weights, bbox_targets, bbox_weights, pos_inds,
                neg_inds)

    def loss_by_feat_single(self, cls_scores: Tensor, bbox_preds: Tensor,
                            batch_gt_instances: InstanceList,
                            batch_img_metas: List[dict]) -> Tuple[Tensor]:
        """reparam: focal loss as the parent, GIoU on the pixel boxes, L1 on
        the deltas; all normalised by the number of matched queries."""
        if not self.reparam:
            return super().loss_by_feat_single(cls_scores, bbox_preds,
                                               batch_gt_instances,
                                               batch_img_metas)
        num_imgs = cls_scores.size(0)
        (labels, label_weights, bbox_targets, bbox_weights, num_pos,
         num_neg) = self.get_targets(
             [cls_scores[i] for i in range(num_imgs)],
             [bbox_preds[i] for i in range(num_imgs)], batch_gt_instances,
             batch_img_metas)
        labels, label_weights = torch.cat(labels), torch.cat(label_weights)
        bbox_targets = torch.cat(bbox_targets)
        bbox_weights = torch.cat(bbox_weights)
        cls_avg_factor = num_pos * 1.0 + num_neg * self.bg_cls_weight
        if self.sync_cls_avg_factor:
            cls_avg_factor = reduce_mean(
                cls_scores.new_tensor([cls_avg_factor]))
        loss_cls = self.loss_cls(
            cls_scores.reshape(-1, self.cls_out_channels), labels,
            label_weights, avg_factor=max(cls_avg_factor, 1))
        num_pos = torch.clamp(
            reduce_mean(loss_cls.new_tensor([num_pos])), min=1).item()
        boxes, deltas, _ = unpack_reparam_boxes(bbox_preds.reshape(-1, 12))
        loss_iou = self.loss_iou(
            bbox_cxcywh_to_xyxy(boxes),
            bbox_cxcywh_to_xyxy(bbox_targets[:, :4]), bbox_weights[:, :4],
            avg_factor=num_pos)
        loss_bbox = self.loss_bbox(
            deltas, bbox_targets[:, 4:], bbox_weights[:, 4:],
            avg_factor=num_pos)
        return loss_cls, loss_bbox, loss_iou
