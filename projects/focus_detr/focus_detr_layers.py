"""The dual-attention encoder of Focus-DETR.

Zheng et al., `Less is More: Focus Attention for Efficient DETR
<https://arxiv.org/abs/2307.12612>`_ (ICCV 2023), Sec. 3.3; the code
followed is detrex ``projects/focus_detr`` (``FOCUS_DETRTransformerEncoder``,
``Focus_DETR_BaseTransformerLayer``). Each layer updates only its set of
foreground tokens: self-attention among the best of them (by foreground x
class logit), then deformable attention over the encoder's input map, then
the FFN; the updated tokens are scattered back, the others keep their
values.
"""
from typing import List

import torch
from mmcv.cnn.bricks.transformer import MultiheadAttention
from mmcv.cnn import build_norm_layer
from torch import Tensor, nn

from mmdet.models.layers import (DeformableDetrTransformerEncoder,
                                 DeformableDetrTransformerEncoderLayer)

#: tokens of the object self-attention per layer (detrex ``topk_sa``)
NUM_OBJECT_TOKENS = 300


def gather_tokens(tokens: Tensor, index: Tensor) -> Tensor:
    """``tokens[b, index[b]]`` for (bs, n, ...) tokens and (bs, k)
    indices -> (bs, k, ...)."""
    flat = tokens.flatten(2)
    picked = flat.gather(1, index[..., None].expand(-1, -1, flat.size(-1)))
    return picked.view(*index.shape, *tokens.shape[2:])


def scatter_tokens(tokens: Tensor, index: Tensor, values: Tensor) -> Tensor:
    """A copy of (bs, n, c) ``tokens`` with ``values`` (bs, k, c) written
    at ``index`` (bs, k) (distinct indices per image)."""
    return tokens.scatter(
        1, index[..., None].expand(-1, -1, tokens.size(-1)), values)


class FocusDetrTransformerEncoderLayer(DeformableDetrTransformerEncoderLayer):
    """Object self-attention -> LN, deformable attention -> LN, FFN -> LN.

    Focus-DETR: mmdet's deformable encoder layer (``self_attn`` is still
    the deformable attention, ``norms`` / ``ffn`` as mmdet) with the object
    self-attention (``oesm_attn``, ``oesm_norm``) in front, and the
    deformable attention's value given by the caller (the encoder input,
    not the layer's queries).

    Args:
        oesm_attn_cfg (dict): The object self-attention (mmcv
            ``MultiheadAttention``).
        num_object_tokens (int): Tokens of the object self-attention (all
            of the layer's tokens when it has fewer: detrex stops there).
        **kwargs: As :class:`DeformableDetrTransformerEncoderLayer`.
    """

    def __init__(self,
                 *args,
                 oesm_attn_cfg: dict = dict(
                     embed_dims=256, num_heads=8, dropout=0.0),
                 num_object_tokens: int = NUM_OBJECT_TOKENS,
                 **kwargs) -> None:
        self.oesm_attn_cfg = dict(oesm_attn_cfg, batch_first=True)
        self.num_object_tokens = num_object_tokens
        super().__init__(*args, **kwargs)

    def _init_layers(self) -> None:
        super()._init_layers()
        self.oesm_attn = MultiheadAttention(**self.oesm_attn_cfg)
        self.oesm_norm = build_norm_layer(self.norm_cfg, self.embed_dims)[1]

    def object_self_attention(self, query: Tensor, query_pos: Tensor,
                              foreground_scores: Tensor,
                              class_scores: Tensor) -> Tensor:
        """Self-attention among the top tokens by ``max class logit x
        foreground logit`` (a product of raw logits, as detrex), residual
        and ``oesm_norm``; the other tokens pass unchanged."""
        k = min(self.num_object_tokens, query.size(1))
        rank = class_scores.max(-1)[0] * foreground_scores
        index = rank.topk(k, dim=1)[1]
        tokens = gather_tokens(query, index)
        pos = gather_tokens(query_pos, index)
        tokens = self.oesm_attn(
            query=tokens, key=tokens, value=tokens, query_pos=pos,
            key_pos=pos)
        return scatter_tokens(query, index, self.oesm_norm(tokens))

    def forward(self, query: Tensor, query_pos: Tensor, value: Tensor,
                foreground_scores: Tensor, class_scores: Tensor,
                key_padding_mask: Tensor, **kwargs) -> Tensor:
        """Update the layer's tokens.

        Args:
            query (Tensor): (bs, k, dims), the selected tokens.
            query_pos (Tensor): (bs, k, dims), their level position.
            value (Tensor): (bs, num_tokens, dims), what the deformable
                attention samples (the encoder input).
            foreground_scores (Tensor): (bs, k) their foreground logits.
            class_scores (Tensor): (bs, k, num_classes) their class logits.
            key_padding_mask (Tensor): (bs, num_tokens) padding of
                ``value``, or None.
            **kwargs: ``reference_points`` (bs, k, num_levels, 2),
                ``spatial_shapes``, ``level_start_index`` of the
                deformable attention.

        Returns:
            Tensor: (bs, k, dims).
        """
        query = self.object_self_attention(query, query_pos,
                                           foreground_scores, class_scores)
        query = self.self_attn(
            query=query, value=value, query_pos=query_pos,
            key_padding_mask=key_padding_mask, **kwargs)
        query = self.norms[0](query)
        query = self.ffn(query)
        return self.norms[1](query)


class FocusDetrTransformerEncoder(DeformableDetrTransformerEncoder):
    """Encoder that updates a cascade of foreground token sets.

    Focus-DETR: layer ``l`` gathers its tokens ``index_sets[l]`` from the
    current map, updates them (:class:`FocusDetrTransformerEncoderLayer`,
    whose deformable attention samples the encoder *input* in every layer,
    as detrex) and writes back the first ``min(K_l, focus_num)`` of each
    image; every other token keeps its value. No final norm.
    """

    def _init_layers(self) -> None:
        self.layers = nn.ModuleList([
            FocusDetrTransformerEncoderLayer(**self.layer_cfg)
            for _ in range(self.num_layers)
        ])
        self.embed_dims = self.layers[0].embed_dims

    def forward(self, query: Tensor, query_pos: Tensor,
                key_padding_mask: Tensor, spatial_shapes: Tensor,
                level_start_index: Tensor, valid_ratios: Tensor,
                foreground_scores: Tensor, index_sets: List[Tensor],
                focus_num: Tensor, class_head: nn.Module,
                **kwargs) -> Tensor:
        """Encode the multi-scale tokens.

        Args:
            query (Tensor): (bs, num_tokens, dims), the flattened levels.
            query_pos (Tensor): (bs, num_tokens, dims), position + level.
            key_padding_mask (Tensor): (bs, num_tokens), or None.
            spatial_shapes, level_start_index, valid_ratios: As mmdet's
                deformable encoder.
            foreground_scores (Tensor): (bs, num_tokens) foreground logits
                (padding filled with the minimum).
            index_sets (list[Tensor]): One (bs, K_l) index set per layer.
            focus_num (Tensor): (bs, ) tokens that each image may update.
            class_head (nn.Module): Token classifier for the object
                self-attention ranking (the encoder's two-stage classifier).

        Returns:
            Tensor: (bs, num_tokens, dims), the memory.
        """
        if len(index_sets) != self.num_layers:
            raise ValueError(f'{len(index_sets)} index sets for '
                             f'{self.num_layers} encoder layers')
        reference_points = self.get_encoder_reference_points(
            spatial_shapes, valid_ratios, device=query.device)
        output = query
        for layer, index in zip(self.layers, index_sets):
            tokens = gather_tokens(output, index)
            updated = layer(
                query=tokens,
                query_pos=gather_tokens(query_pos, index),
                value=query,
                foreground_scores=foreground_scores.gather(1, index),
                class_scores=class_head(tokens),
                key_padding_mask=key_padding_mask,
                reference_points=gather_tokens(reference_points, index),
                spatial_shapes=spatial_shapes,
                level_start_index=level_start_index,
                valid_ratios=valid_ratios,
                **kwargs)
            # an image writes back only its own first focus_num tokens
            rank = torch.arange(index.size(1), device=index.device)
            keep = (rank[None] < focus_num[:, None])[..., None]
            output = scatter_tokens(output, index,
                                    torch.where(keep, updated, tokens))
        return output
