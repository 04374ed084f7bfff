"""Box re-parameterisation of Plain-DETR (the ``--reparam`` recipe, 50.9 AP
with Swin-V2-S, MIM pre-training).

Lin et al., `DETR Doesn't Need Multi-Scale or Locality Design
<https://arxiv.org/abs/2308.01904>`_ (ICCV 2023), §3.3; official code
https://github.com/impiga/Plain-DETR (``util/box_ops.py``,
``models/transformer.py::TransformerReParam``, ``models/matcher.py``).

Every box, reference and target is an absolute (cx, cy, w, h) in pixels of
the padded input; a layer predicts a delta on its reference box, as a
two-stage R-CNN head does. The L1 loss and the L1 matching cost compare
deltas, not boxes.
"""
import math
from typing import Optional, Sequence, Tuple, Union

import torch
from torch import Tensor

from mmdet.models.task_modules.assigners.match_cost import BaseMatchCost
from mmdet.registry import TASK_UTILS
from mmdet.structures.bbox import bbox_xyxy_to_cxcywh

#: |ln(16 / 1000)|: bound of the predicted log-size deltas
MAX_LOG_RATIO = abs(math.log(16 / 1000))
#: added to the reference size when encoding targets (not when decoding)
DELTA_SIZE_EPS = 0.1
#: proposal side at the finest pyramid level, doubled per level (pixels)
PROPOSAL_MIN_SIZE = 50.0


def _image_size(max_shape: Tensor, boxes: Tensor) -> Tensor:
    """(B, 2) valid (H, W) -> (B, 1, ..., 4) (W, H, W, H), broadcastable
    against ``boxes`` (B, ..., 4)."""
    size = max_shape.flip(-1).repeat(1, 2)
    return size.view(size.shape[:1] + (1, ) * (boxes.dim() - 2) + (4, ))


def delta2cxcywh(ref: Tensor, delta: Tensor,
                 max_shape: Optional[Tensor] = None) -> Tensor:
    """Decode deltas on reference boxes (official ``delta2bbox``, then back
    to cxcywh).

    Args:
        ref (Tensor): (B, N, 4) reference boxes, cxcywh pixels.
        delta (Tensor): (B, N, 4) deltas (dx, dy, log dw, log dh).
        max_shape (Tensor, optional): (B, 2) valid (H, W) of each image;
            the decoded corners are clipped to it.

    Returns:
        Tensor: (B, N, 4) boxes, cxcywh pixels.
    """
    centre = ref[..., :2] + ref[..., 2:] * delta[..., :2]
    size = ref[..., 2:] * delta[..., 2:].clamp(-MAX_LOG_RATIO,
                                               MAX_LOG_RATIO).exp()
    corners = torch.cat([centre - size / 2, centre + size / 2], -1)
    if max_shape is not None:
        corners = corners.clamp(min=0).clamp(
            max=_image_size(max_shape, corners))
    return bbox_xyxy_to_cxcywh(corners)


def bbox2delta(ref: Tensor, target: Tensor) -> Tensor:
    """Encode target boxes as deltas on references (official
    ``bbox2delta``: the reference size gets +0.1, unlike the decoding).

    Both are cxcywh pixels and broadcast against each other (pass
    ``ref[:, None]`` and ``target[None]`` for all pairs). Computed in
    float32.
    """
    ref, target = ref.float(), target.float()
    ref_size = ref[..., 2:] + DELTA_SIZE_EPS
    return torch.cat([(target[..., :2] - ref[..., :2]) / ref_size,
                      torch.log(target[..., 2:] / ref_size)], -1)


def pixel_proposals(memory: Tensor, memory_mask: Optional[Tensor],
                    spatial_shapes: Union[Tensor, Sequence],
                    strides: Sequence[int],
                    min_size: float = PROPOSAL_MIN_SIZE
                    ) -> Tuple[Tensor, Tensor, Tensor]:
    """Anchor boxes of the pyramid tokens in pixels (official
    ``TransformerReParam.gen_encoder_output_proposals``).

    Token (r, c) of level l with stride s is the box centred at
    ((c + 0.5) s, (r + 0.5) s) of side ``min_size * 2**l``. The image size
    is the valid size of level 0 times its stride; a proposal is valid when
    all four coordinates lie strictly inside (0.01, 0.99) of it. Padded and
    invalid proposals are filled with ``max(h0, w0) * s0``, and their memory
    with 0.

    Args:
        memory (Tensor): (B, N, C) pyramid tokens, finest level first.
        memory_mask (Tensor, optional): (B, N), True = padding.
        spatial_shapes: (levels, 2) (h, w) of each level.
        strides (Sequence[int]): Stride of each level.
        min_size (float): Proposal side at level 0.

    Returns:
        tuple: the memory with invalid tokens zeroed (B, N, C), the
        proposals (B, N, 4) cxcywh pixels, and the valid (H, W) of each
        image (B, 2), the bound of every decoded box.
    """
    b = memory.shape[0]
    device = memory.device
    proposals = []
    for lvl, ((h, w), stride) in enumerate(zip(spatial_shapes, strides)):
        h, w = int(h), int(w)
        ys, xs = torch.meshgrid(
            torch.arange(h, dtype=torch.float32, device=device),
            torch.arange(w, dtype=torch.float32, device=device),
            indexing='ij')
        centres = (torch.stack([xs, ys], -1) + 0.5) * stride
        sides = torch.full_like(centres, min_size * 2.0**lvl)
        proposals.append(torch.cat([centres, sides], -1).view(1, -1, 4))
    proposals = torch.cat(proposals, 1).expand(b, -1, -1)
    h0, w0 = int(spatial_shapes[0][0]), int(spatial_shapes[0][1])
    if memory_mask is None:
        valid_hw = proposals.new_tensor([h0, w0]).expand(b, 2)
    else:
        level0 = ~memory_mask[:, :h0 * w0].view(b, h0, w0)
        # valid rows counted down column 0, valid columns along row 0
        valid_hw = torch.stack(
            [level0[:, :, 0].sum(1), level0[:, 0, :].sum(1)], -1).float()
    max_shape = valid_hw * strides[0]
    img_size = _image_size(max_shape, proposals)
    valid = ((proposals > 0.01 * img_size) &
             (proposals < 0.99 * img_size)).all(-1, keepdim=True)
    invalid = ~valid
    if memory_mask is not None:
        invalid = invalid | memory_mask[..., None]
    proposals = proposals.masked_fill(invalid, max(h0, w0) * strides[0])
    memory = memory.masked_fill(invalid, 0.0)
    return memory, proposals, max_shape


def pack_reparam_boxes(boxes: Tensor, deltas: Tensor, refs: Tensor) -> Tensor:
    """The head's box output under re-parameterisation: (..., 12) with the
    decoded boxes, the deltas and the references they decode from (all
    the L1 loss and cost need), so that mmdet's per-layer loss loops carry
    them as one tensor."""
    return torch.cat([boxes, deltas, refs.expand_as(boxes)], -1)


def unpack_reparam_boxes(packed: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    """Inverse of :func:`pack_reparam_boxes`."""
    if packed.shape[-1] != 12:
        raise ValueError(f're-parameterised box output must have 12 '
                         f'channels (box, delta, reference), got '
                         f'{packed.shape[-1]}.')
    return packed[..., :4], packed[..., 4:8], packed[..., 8:]


@TASK_UTILS.register_module()
class DeltaL1Cost(BaseMatchCost):
    """L1 matching cost between predicted deltas and the targets encoded on
    the same reference boxes (official ``HungarianMatcher`` with
    ``cost_bbox_type='reparam'``).

    Reads ``pred_instances.deltas`` (N, 4) and ``pred_instances.refs``
    (N, 4, cxcywh pixels), and ``gt_instances.bboxes`` (M, 4, xyxy pixels).

    Args:
        weight (float): Cost weight (1.0 in the official reparam recipe).
    """

    def __call__(self, pred_instances, gt_instances, img_meta=None,
                 **kwargs) -> Tensor:
        for field in ('deltas', 'refs'):
            if field not in pred_instances:
                raise KeyError(
                    f'DeltaL1Cost needs pred_instances.{field}: use it with '
                    f'PlainDETRHead(reparam=True) only (for normalised '
                    f'boxes use BBoxL1Cost).')
        gt = bbox_xyxy_to_cxcywh(gt_instances.bboxes)
        target = bbox2delta(pred_instances.refs[:, None], gt[None])
        cost = (pred_instances.deltas[:, None].float() - target).abs().sum(-1)
        return cost * self.weight
