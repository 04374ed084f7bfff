"""DETR's Hungarian targets for a whole batch at once.

mmdet's :meth:`DETRHead.get_targets` matches every image on its own: per
image it builds an ``InstanceData``, calls each match cost, moves the cost
matrix to the CPU, solves the assignment and writes the targets with a
dozen small tensor operations. A Relation-DETR training step does that 64
times at the toy config's batch of 8 (decoder layers, encoder proposals
and the hybrid branch), which on CPU costs about as much as the toy
backbone's forward pass.

:class:`BatchedTargetsMixin` computes the same targets with one cost
evaluation per group of images that share an ``img_shape`` (the match
costs normalise boxes by it): the predictions of the group against all of
its ground truths, stacked, are handed to the assigner's own match costs,
each image's block of that matrix is solved with
:func:`scipy.optimize.linear_sum_assignment` as mmdet does, and the
targets of the whole batch are written with a few indexed operations. The
cost of a prediction-GT pair does not depend on the other rows and
columns, so each block holds the numbers mmdet computes for that image;
``tests/common/test_batched_targets.py`` checks the targets against
mmdet's per-image path.
"""
from itertools import accumulate
from typing import List, Tuple

import torch
from mmengine.structures import InstanceData
from torch import Tensor

from mmdet.models.task_modules import (BBoxL1Cost, ClassificationCost,
                                       FocalLossCost, HungarianAssigner,
                                       IoUCost)
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy, bbox_xyxy_to_cxcywh

try:
    from scipy.optimize import linear_sum_assignment
except ImportError:  # mmdet's assigner raises the same way
    linear_sum_assignment = None

#: match costs whose value for a (prediction, GT) pair depends on that pair
#: only (and on the image shape), so that a batch can share one evaluation
ELEMENTWISE_COSTS = (BBoxL1Cost, ClassificationCost, FocalLossCost, IoUCost)


def batchable(assigner) -> bool:
    """Whether ``assigner`` is mmdet's plain Hungarian assigner with only
    element-wise match costs (:data:`ELEMENTWISE_COSTS`)."""
    return (type(assigner) is HungarianAssigner and all(
        type(cost) in ELEMENTWISE_COSTS for cost in assigner.match_costs))


class BatchedTargetsMixin:
    """Put before a :class:`mmdet.models.DETRHead` subclass (e.g.
    ``class Head(BatchedTargetsMixin, DINOHead)``) to build the Hungarian
    targets of a batch at once (see the module's docstring). Assigners
    other than :class:`HungarianAssigner` with element-wise costs take
    mmdet's per-image path, as does any head whose
    :attr:`batched_targets` is False. Used by Relation-DETR."""

    #: False: mmdet's image-by-image path (the benchmark's DINO baseline)
    batched_targets: bool = True

    def get_targets(self, cls_scores_list: List[Tensor],
                    bbox_preds_list: List[Tensor],
                    batch_gt_instances: List[InstanceData],
                    batch_img_metas: List[dict]) -> tuple:
        """As :meth:`DETRHead.get_targets`: per image labels, label
        weights, normalised cx, cy, w, h box targets and box weights, then
        the numbers of positive and negative predictions."""
        if not (self.batched_targets and batchable(self.assigner)):
            return super().get_targets(cls_scores_list, bbox_preds_list,
                                       batch_gt_instances, batch_img_metas)
        # targets need the predictions' values only
        cls_scores = torch.stack(cls_scores_list).detach()
        bbox_preds = torch.stack(bbox_preds_list).detach()
        num_imgs, num_queries = bbox_preds.shape[:2]
        factors = bbox_preds.new_tensor(
            [[m['img_shape'][1], m['img_shape'][0]] * 2
             for m in batch_img_metas])  # (num_imgs, 4): w, h, w, h
        gt_bboxes = [g.bboxes for g in batch_gt_instances]
        gt_labels = [g.labels for g in batch_gt_instances]
        num_gts = [len(b) for b in gt_bboxes]
        # per image: the matched (query, gt) index pairs
        matches = self._match(cls_scores, bbox_preds, factors,
                              batch_gt_instances, batch_img_metas)

        labels = gt_labels[0].new_full((num_imgs, num_queries),
                                       self.num_classes, dtype=torch.long)
        bbox_targets = bbox_preds.new_zeros(bbox_preds.shape)
        bbox_weights = bbox_preds.new_zeros(bbox_preds.shape)
        img_inds = torch.cat([
            torch.full_like(rows, i) for i, (rows, _) in enumerate(matches)
        ])
        query_inds = torch.cat([rows for rows, _ in matches])
        # each image's gt indices into the batch's concatenated gts
        gt_offsets = accumulate([0] + num_gts[:-1])
        gt_inds = torch.cat(
            [cols + off for (_, cols), off in zip(matches, gt_offsets)])
        if len(gt_inds):
            all_bboxes = torch.cat(gt_bboxes)
            labels[img_inds, query_inds] = torch.cat(gt_labels)[gt_inds]
            bbox_weights[img_inds, query_inds] = 1.0
            bbox_targets[img_inds, query_inds] = bbox_xyxy_to_cxcywh(
                all_bboxes[gt_inds] / factors[img_inds])
        label_weights = bbox_preds.new_ones((num_imgs, num_queries))
        num_pos = len(query_inds)
        return (list(labels), list(label_weights), list(bbox_targets),
                list(bbox_weights), num_pos, num_imgs * num_queries - num_pos)

    def _match(self, cls_scores: Tensor, bbox_preds: Tensor, factors: Tensor,
               batch_gt_instances: List[InstanceData],
               batch_img_metas: List[dict]) -> List[Tuple[Tensor, Tensor]]:
        """The Hungarian matching of every image: (query indices, gt
        indices), both long tensors on the predictions' device."""
        if linear_sum_assignment is None:
            raise ImportError('Please run "pip install scipy" '
                              'to install scipy first.')
        device = bbox_preds.device
        num_queries = bbox_preds.shape[1]
        empty = torch.empty(0, dtype=torch.long, device=device)
        matches = [(empty, empty)] * len(batch_img_metas)
        # the match costs normalise by one img_shape: one group per shape
        groups = {}
        for i, meta in enumerate(batch_img_metas):
            if len(batch_gt_instances[i]):
                groups.setdefault(tuple(meta['img_shape'][:2]), []).append(i)
        for members in groups.values():
            index = torch.as_tensor(members, device=device)
            pred = InstanceData(
                scores=cls_scores[index].flatten(0, 1),
                # in pixels, as mmdet's _get_targets_single hands them over
                bboxes=(bbox_cxcywh_to_xyxy(bbox_preds[index]) *
                        factors[index, None]).flatten(0, 1))
            gts = InstanceData(
                bboxes=torch.cat(
                    [batch_gt_instances[i].bboxes for i in members]),
                labels=torch.cat(
                    [batch_gt_instances[i].labels for i in members]))
            meta = batch_img_metas[members[0]]
            cost = torch.stack([
                match_cost(pred_instances=pred, gt_instances=gts,
                           img_meta=meta)
                for match_cost in self.assigner.match_costs
            ]).sum(dim=0).cpu()
            col = 0
            for k, i in enumerate(members):
                num_gt = len(batch_gt_instances[i])
                rows, cols = linear_sum_assignment(
                    cost[k * num_queries:(k + 1) * num_queries,
                         col:col + num_gt])
                col += num_gt
                matches[i] = (torch.from_numpy(rows).to(device),
                              torch.from_numpy(cols).to(device))
        return matches
