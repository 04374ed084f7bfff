"""Focus-DETR head: DINO's losses plus the foreground supervision of the
token selector."""
from typing import Dict, List, Sequence, Tuple

import torch
from torch import Tensor

from mmdet.models.dense_heads import DINOHead
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from projects.common.models import ReferenceEpsMixin

#: feature strides of the four token levels and the box-size range (max
#: distance from a location to its box's sides, in pixels) each one learns
#: to call foreground (detrex ``GenTargets``)
FTS_STRIDES = (8, 16, 32, 64)
FTS_RANGES = ((-1, 64), (64, 128), (128, 256), (256, 999999))


def foreground_targets(spatial_shapes: Tensor, gt_bboxes: List[Tensor],
                       strides: Sequence[int] = FTS_STRIDES,
                       ranges: Sequence[Tuple[float, float]] = FTS_RANGES
                       ) -> Tensor:
    """FCOS-style foreground labels of every token (Focus-DETR Sec. 3.5).

    The token at row ``i``, column ``j`` of a level with stride ``s`` sits
    at pixel ``(j * s + s // 2, i * s + s // 2)``; it is foreground when it
    lies strictly inside a ground-truth box whose largest distance from it
    to a side is in the level's range ``(lo, hi]``. Padding tokens are
    background.

    Args:
        spatial_shapes (Tensor): (num_levels, 2), (h, w) per level.
        gt_bboxes (list[Tensor]): Per image, (m, 4) xyxy pixel boxes.
        strides (Sequence[int]): Stride of each level.
        ranges (Sequence[tuple]): ``(lo, hi]`` of each level.

    Returns:
        Tensor: (bs, num_tokens) bool, in the flattened token order.
    """
    if not len(strides) == len(ranges) == len(spatial_shapes):
        raise ValueError(f'{len(spatial_shapes)} levels need as many '
                         f'strides ({len(strides)}) and ranges '
                         f'({len(ranges)})')
    device = spatial_shapes.device
    most = max([len(b) for b in gt_bboxes] + [1])
    boxes = torch.full((len(gt_bboxes), most, 4), -1.0, device=device)
    for i, b in enumerate(gt_bboxes):  # pad to one tensor: -1 boxes hold
        boxes[i, :len(b)] = b          # no location
    labels = []
    for (h, w), stride, (lo, hi) in zip(spatial_shapes.tolist(), strides,
                                        ranges):
        xs = torch.arange(w, device=device) * stride + stride // 2
        ys = torch.arange(h, device=device) * stride + stride // 2
        y, x = torch.meshgrid(ys.float(), xs.float(), indexing='ij')
        x, y = x.reshape(1, -1, 1), y.reshape(1, -1, 1)
        sides = torch.stack([
            x - boxes[:, None, :, 0], y - boxes[:, None, :, 1],
            boxes[:, None, :, 2] - x, boxes[:, None, :, 3] - y
        ], -1)  # (bs, h * w, m, 4)
        reach = sides.max(-1)[0]
        inside = (sides.min(-1)[0] > 0) & (reach > lo) & (reach <= hi)
        labels.append(inside.any(-1))
    return torch.cat(labels, 1)


@MODELS.register_module()
class FocusDETRHead(ReferenceEpsMixin, DINOHead):
    """Head of `Focus-DETR <https://arxiv.org/abs/2307.12612>`_.

    Deviations from :class:`mmdet.models.DINOHead`:

    * boxes are refined with ``inverse_sigmoid(eps=1e-3)`` as detrex
      (:class:`ReferenceEpsMixin`; mmdet: 1e-5);
    * training adds ``loss_fts``, the supervision of the foreground token
      selector: focal loss of every token's raw foreground logit against
      :func:`foreground_targets`, summed per image, divided by the image's
      foreground count (at least 1) and averaged over the batch, x 1.5.

    Args:
        loss_fts (dict): The foreground loss; its targets are one-hot
            (mmdet's ``FocalLoss`` then takes its PyTorch path everywhere).
        fts_strides (Sequence[int]): Stride of each token level.
        fts_ranges (Sequence[tuple]): Box-size range of each level.
        **kwargs: As :class:`mmdet.models.DINOHead`.
    """

    def __init__(self,
                 *args,
                 loss_fts: dict = dict(
                     type='FocalLoss', use_sigmoid=True, gamma=2.0,
                     alpha=0.25, loss_weight=1.5),
                 fts_strides: Sequence[int] = FTS_STRIDES,
                 fts_ranges: Sequence[Tuple[float, float]] = FTS_RANGES,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.loss_fts = MODELS.build(loss_fts)
        self.fts_strides = tuple(fts_strides)
        self.fts_ranges = tuple(tuple(r) for r in fts_ranges)

    def loss(self,
             hidden_states: Tensor,
             references: List[Tensor],
             enc_outputs_class: Tensor,
             enc_outputs_coord: Tensor,
             batch_data_samples: SampleList,
             dn_meta: Dict[str, int],
             fts_logits: Tensor = None,
             spatial_shapes: Tensor = None) -> dict:
        """Based on :meth:`DINOHead.loss`; adds ``loss_fts`` when the
        selector's logits (bs, num_tokens) and the levels' shapes are
        given."""
        losses = super().loss(hidden_states, references, enc_outputs_class,
                              enc_outputs_coord, batch_data_samples, dn_meta)
        if fts_logits is not None:
            gt_bboxes = [s.gt_instances.bboxes for s in batch_data_samples]
            losses['loss_fts'] = self.loss_foreground(
                fts_logits, spatial_shapes, gt_bboxes)
        return losses

    def loss_foreground(self, fts_logits: Tensor, spatial_shapes: Tensor,
                        gt_bboxes: List[Tensor]) -> Tensor:
        """The selector's loss (see the class docstring).

        Args:
            fts_logits (Tensor): (bs, num_tokens) raw foreground logits.
            spatial_shapes (Tensor): (num_levels, 2).
            gt_bboxes (list[Tensor]): Per image, (m, 4) xyxy pixel boxes.
        """
        targets = foreground_targets(spatial_shapes, gt_bboxes,
                                     self.fts_strides, self.fts_ranges)
        bs, num_tokens = targets.shape
        per_image = 1.0 / targets.sum(1).clamp(min=1).float()
        weight = per_image[:, None].expand(bs, num_tokens).reshape(-1)
        return self.loss_fts(
            fts_logits.reshape(-1, 1),
            targets.reshape(-1, 1).float(),
            weight,
            avg_factor=bs)
