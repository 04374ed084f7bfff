"""Sampling points and weights of the last decoder layer's multi-scale
deformable cross-attention (Zhu et al., `Deformable DETR
<https://arxiv.org/abs/2010.04159>`_, ICLR 2021), for the top detections
of every deformable DETR here (DINO, Relation-DETR, Focus-DETR)."""
from typing import List, Tuple

import torch
from mmcv.ops import MultiScaleDeformableAttention
from torch import Tensor

from .detections import hook_detr_head, last_cross_attention, top_queries
from .drawing import class_name, draw_box, new_figure, save, show_image
from .probe import ATTENTION_PROBES, AttentionProbe


def deformable_sampling(module: MultiScaleDeformableAttention,
                        offsets: Tensor, logits: Tensor,
                        reference_points: Tensor,
                        spatial_shapes: Tensor) -> Tuple[Tensor, Tensor]:
    """Sampling locations and weights, as mmcv's
    ``MultiScaleDeformableAttention.forward`` makes them from its two
    linear outputs.

    Args:
        module: The attention (for its head, level and point counts).
        offsets (Tensor): ``sampling_offsets`` output (bs, nq, H*L*P*2).
        logits (Tensor): ``attention_weights`` output (bs, nq, H*L*P).
        reference_points (Tensor): (bs, nq, L, 2 or 4), normalised.
        spatial_shapes (Tensor): (L, 2), (h, w) per level.

    Returns:
        tuple: locations (bs, nq, H, L, P, 2) normalised (x, y) and
        weights (bs, nq, H, L, P), summing to 1 over L x P.
    """
    bs, nq = offsets.shape[:2]
    heads, levels, points = (module.num_heads, module.num_levels,
                             module.num_points)
    offsets = offsets.view(bs, nq, heads, levels, points, 2)
    weights = logits.view(bs, nq, heads, levels * points).softmax(-1).view(
        bs, nq, heads, levels, points)
    ref = reference_points[:, :, None, :, None, :]
    if reference_points.shape[-1] == 2:
        normalizer = torch.stack(
            [spatial_shapes[..., 1], spatial_shapes[..., 0]], -1)
        locations = ref + offsets / normalizer[None, None, None, :, None, :]
    else:
        locations = ref[..., :2] + offsets / points * ref[..., 2:] * 0.5
    return locations, weights


@ATTENTION_PROBES.register_module()
class DeformableDecoderProbe(AttentionProbe):
    """Hooks the last decoder layer's ``cross_attn``: its inputs (reference
    points, level shapes) and the outputs of its ``sampling_offsets`` and
    ``attention_weights`` linears; draws, per top detection, every
    (head, level, point) sample as a dot of area proportional to its weight.

    Pictures: ``<stem>_deform_points_top{k}.png``, k = 1..topk.
    """

    @classmethod
    def applies(cls, model) -> bool:
        return cls._attention(model) is not None

    @staticmethod
    def _attention(model):
        return last_cross_attention(model, MultiScaleDeformableAttention)

    def hooks(self) -> None:
        attn = self._attention(self.model)
        self.keep_inputs(attn, 'inputs')
        self.keep_output(attn.sampling_offsets, 'offsets')
        self.keep_output(attn.attention_weights, 'logits')
        hook_detr_head(self, self.model)

    def sampling(self) -> Tuple[Tensor, Tensor]:
        """Locations (bs, nq, H, L, P, 2) and weights (bs, nq, H, L, P) of
        the last inference."""
        _, kwargs = self.record('inputs')
        return deformable_sampling(
            self._attention(self.model), self.record('offsets'),
            self.record('logits'), kwargs['reference_points'],
            kwargs['spatial_shapes'])

    def draw(self, scene, out_dir: str) -> List[str]:
        locations, weights = self.sampling()
        levels = weights.shape[3]
        colors = ['tab:red', 'tab:orange', 'tab:cyan', 'tab:purple',
                  'tab:blue', 'tab:pink']
        files = []
        for rank, det in enumerate(top_queries(self, scene.sample,
                                               scene.topk), 1):
            xy = scene.to_pixels(locations[0, det['query']].cpu().numpy())
            w = weights[0, det['query']].cpu().numpy()  # (H, L, P)
            fig, axes = new_figure(size=6)
            ax = axes[0, 0]
            show_image(ax, scene.image, (
                f'top {rank}: {class_name(self.model, det["label"])} '
                f'{det["score"]:.2f}; {w.shape[0]} heads x {levels} levels '
                f'x {w.shape[2]} points\n(dot area ~ weight; weights sum to '
                f'1 per head)'))
            for lvl in range(levels):
                ax.scatter(xy[:, lvl, :, 0].ravel(), xy[:, lvl, :, 1].ravel(),
                           s=600 * w[:, lvl].ravel() / w.shape[0] + 2,
                           c=colors[lvl % len(colors)], alpha=0.7,
                           edgecolors='white', linewidths=0.3,
                           label=f'level {lvl}')
            draw_box(ax, det['bbox'])
            ax.legend(loc='lower right', fontsize=7)
            files.append(save(fig, out_dir,
                              f'{scene.stem}_deform_points_top{rank}.png'))
        return files
