"""Plain-DETR's global cross-attention with the box relative position
bias (Lin et al., `DETR Doesn't Need Multi-Scale or Locality Design
<https://arxiv.org/abs/2308.01904>`_, ICCV 2023)."""
from typing import List, Tuple

import torch
from torch import Tensor

from .detections import hook_detr_head, last_cross_attention, top_queries
from .drawing import (class_name, draw_box, new_figure, overlay, save,
                      show_image)
from .probe import ATTENTION_PROBES, AttentionProbe


@ATTENTION_PROBES.register_module()
class BoxRPBAttentionProbe(AttentionProbe):
    """Hooks the last decoder layer's :class:`BoxRPBCrossAttention`: its
    inputs (reference boxes, map shape, padding) and its ``q`` / ``k``
    linears; rebuilds the attention as the module's reference path does,
    ``softmax(q k^T * scale + BoxRPB + padding)`` over the h*w tokens.
    Draws, per top detection, the attention (mean over heads) and the
    BoxRPB bias alone (mean over heads) over the image.

    Pictures: ``<stem>_boxrpb_attn_top{k}.png``, k = 1..topk.
    """

    @classmethod
    def applies(cls, model) -> bool:
        return cls._attention(model) is not None

    @staticmethod
    def _attention(model):
        from projects.plain_detr.box_rpb import BoxRPBCrossAttention
        return last_cross_attention(model, BoxRPBCrossAttention)

    def hooks(self) -> None:
        attn = self._attention(self.model)
        self.keep_inputs(attn, 'inputs')
        self.keep_output(attn.q, 'q')
        self.keep_output(attn.k, 'k')
        hook_detr_head(self, self.model)

    @torch.no_grad()
    def attention(self) -> Tuple[Tensor, Tensor, Tuple[int, int]]:
        """Attention (bs, heads, nq, h*w) (rows sum to 1), the BoxRPB bias
        (bs, heads, nq, h*w) and the map's (h, w)."""
        from projects.plain_detr.box_rpb import PADDING_LOGIT
        attn = self._attention(self.model)
        args, kwargs = self.record('inputs')
        names = ('query', 'key', 'value', 'reference_points',
                 'spatial_shape', 'key_padding_mask')
        inputs = dict(zip(names, args), **kwargs)
        h, w = (int(v) for v in inputs['spatial_shape'])
        q, k = (self.record(name).unflatten(-1, (attn.num_heads, -1))
                .transpose(1, 2) for name in ('q', 'k'))
        bias = attn.full_bias(inputs['reference_points'], h, w)
        logits = (q * attn.scale) @ k.transpose(-2, -1) + bias
        padding = inputs.get('key_padding_mask')
        if padding is not None:
            logits = logits + padding[:, None, None].to(logits.dtype) * \
                PADDING_LOGIT
        return logits.softmax(-1), bias, (h, w)

    def draw(self, scene, out_dir: str) -> List[str]:
        weights, bias, (h, w) = self.attention()
        width, height = scene.padded_extent
        extent = (0, width, height, 0)
        files = []
        for rank, det in enumerate(top_queries(self, scene.sample,
                                               scene.topk), 1):
            q = det['query']
            fig, axes = new_figure(2, 1, size=5)
            maps = (weights[0, :, q].mean(0), bias[0, :, q].mean(0))
            titles = ('cross-attention (mean of heads; each head sums to 1)',
                      'BoxRPB bias alone (mean of heads)')
            for ax, heat, title in zip(axes.flat, maps, titles):
                show_image(ax, scene.image, title)
                image = overlay(ax, heat.view(h, w).cpu().numpy(), extent)
                draw_box(ax, det['bbox'], label=(
                    f'{rank}: {class_name(self.model, det["label"])} '
                    f'{det["score"]:.2f}'))
                ax.figure.colorbar(image, ax=ax, shrink=0.7)
            files.append(save(fig, out_dir,
                              f'{scene.stem}_boxrpb_attn_top{rank}.png'))
        return files
