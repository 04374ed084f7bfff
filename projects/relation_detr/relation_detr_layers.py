"""Encoder and decoder of Relation-DETR (the position relation they use is
in :mod:`.position_relation`).

Hou et al., `Relation DETR: Exploring Explicit Position Relation Prior for
Object Detection <https://arxiv.org/abs/2407.11699>`_ (ECCV 2024); official
code https://github.com/xiuqhou/Relation-DETR. Each class extends mmdet's
DINO counterpart; the comments name what differs.
"""
from typing import Optional

import torch
from torch import Tensor, nn

from mmdet.models.layers import (DeformableDetrTransformerEncoder,
                                 DinoTransformerDecoder, MLP,
                                 coordinate_to_encoding, inverse_sigmoid)
from .position_relation import PositionRelationEmbedding


class RelationDetrTransformerEncoder(DeformableDetrTransformerEncoder):
    """Deformable encoder followed by memory fusion.

    Relation-DETR: the encoder input and the outputs of all layers are
    concatenated and fused by Linear -> ReLU -> Linear -> LayerNorm; the
    fused memory feeds both the query selection and the decoder.

    Args:
        with_memory_fusion (bool): Fuse the input and every layer's output
            (Relation-DETR); False returns the last layer's output as
            mmdet's deformable encoder does (an ablation). Defaults to True.
        *args, **kwargs: As :class:`DeformableDetrTransformerEncoder`.
    """

    def __init__(self, *args, with_memory_fusion: bool = True,
                 **kwargs) -> None:
        self.with_memory_fusion = with_memory_fusion
        super().__init__(*args, **kwargs)

    def _init_layers(self) -> None:
        super()._init_layers()
        if not self.with_memory_fusion:
            return
        self.memory_fusion = nn.Sequential(
            nn.Linear((self.num_layers + 1) * self.embed_dims,
                      self.embed_dims), nn.ReLU(inplace=True),
            nn.Linear(self.embed_dims, self.embed_dims),
            nn.LayerNorm(self.embed_dims))

    def forward(self, query: Tensor, query_pos: Tensor,
                key_padding_mask: Tensor, spatial_shapes: Tensor,
                level_start_index: Tensor, valid_ratios: Tensor,
                **kwargs) -> Tensor:
        reference_points = self.get_encoder_reference_points(
            spatial_shapes, valid_ratios, device=query.device)
        outputs = [query] if self.with_memory_fusion else None
        for layer in self.layers:
            query = layer(
                query=query,
                query_pos=query_pos,
                key_padding_mask=key_padding_mask,
                spatial_shapes=spatial_shapes,
                level_start_index=level_start_index,
                valid_ratios=valid_ratios,
                reference_points=reference_points,
                **kwargs)
            if outputs is not None:
                outputs.append(query)
        if outputs is None:
            return query
        return self.memory_fusion(torch.cat(outputs, -1))


class RelationDetrTransformerDecoder(DinoTransformerDecoder):
    """DINO decoder with conditional position scaling and position relation.

    Relation-DETR deviations from :class:`DinoTransformerDecoder`:

    * from layer 1 on, the query position is multiplied by
      ``query_scale(query)`` (an MLP of the previous layer's output);
    * from layer 1 on, self-attention gets a float bias: the position
      relation between the boxes predicted by the previous two layers
      (layer 1 uses the initial references as the older set), -inf where
      the denoising mask blocks;
    * ``skip_relation=True`` (the hybrid one-to-many pass) keeps the plain
      mask.

    Both parts can be switched off for ablations (or to plug the relation
    alone into DINO): with both off this computes what
    :class:`DinoTransformerDecoder` computes.

    Args:
        with_position_relation (bool): The position-relation bias. Defaults
            to True.
        with_query_scale (bool): The conditional query-position scaling.
            Defaults to True.
        *args, **kwargs: As :class:`DinoTransformerDecoder`.
    """

    def __init__(self, *args, with_position_relation: bool = True,
                 with_query_scale: bool = True, **kwargs) -> None:
        self.with_position_relation = with_position_relation
        self.with_query_scale = with_query_scale
        super().__init__(*args, **kwargs)

    def _init_layers(self) -> None:
        super()._init_layers()
        if self.with_query_scale:
            self.query_scale = MLP(self.embed_dims, self.embed_dims,
                                   self.embed_dims, 2)
        if self.with_position_relation:
            num_heads = self.layer_cfg['self_attn_cfg']['num_heads']
            self.position_relation_embedding = PositionRelationEmbedding(
                16, num_heads)

    def forward(self,
                query: Tensor,
                value: Tensor,
                key_padding_mask: Tensor,
                self_attn_mask: Optional[Tensor],
                reference_points: Tensor,
                spatial_shapes: Tensor,
                level_start_index: Tensor,
                valid_ratios: Tensor,
                reg_branches: nn.ModuleList,
                skip_relation: bool = False,
                **kwargs):
        """Same contract as :meth:`DinoTransformerDecoder.forward` (returns
        the normalised hidden states of every layer and the references
        before each layer plus the last refined one)."""
        intermediate, intermediate_refs = [], [reference_points]
        attn_mask = self_attn_mask
        previous_boxes = reference_points
        with_relation = self.with_position_relation and not skip_relation
        scale = torch.cat([valid_ratios, valid_ratios], -1)[:, None]
        for lid, layer in enumerate(self.layers):
            reference_input = reference_points[:, :, None] * scale
            query_pos = self.ref_point_head(
                coordinate_to_encoding(reference_input[:, :, 0, :],
                                       num_feats=self.embed_dims // 2))
            if lid > 0 and self.with_query_scale:
                # Relation-DETR: conditional position scaling
                query_pos = query_pos * self.query_scale(query)
            query = layer(
                query,
                query_pos=query_pos,
                value=value,
                key_padding_mask=key_padding_mask,
                self_attn_mask=attn_mask,
                spatial_shapes=spatial_shapes,
                level_start_index=level_start_index,
                valid_ratios=valid_ratios,
                reference_points=reference_input,
                **kwargs)
            hidden = self.norm(query)
            reference_unact = inverse_sigmoid(reference_points, eps=1e-3)
            new_reference = (reg_branches[lid](query) +
                             reference_unact).sigmoid()
            intermediate.append(hidden)
            intermediate_refs.append(new_reference)
            if with_relation and lid < self.num_layers - 1:
                # Relation-DETR: bias of the next self-attention from the
                # boxes this layer predicts (what the head outputs)
                with torch.no_grad():
                    boxes = (reg_branches[lid](hidden) +
                             reference_unact).sigmoid()
                attn_mask = self.position_relation_embedding(
                    previous_boxes, boxes).flatten(0, 1)
                if self_attn_mask is not None:
                    attn_mask = attn_mask.masked_fill(self_attn_mask,
                                                      float('-inf'))
                previous_boxes = boxes
            reference_points = new_reference.detach()
        return torch.stack(intermediate), torch.stack(intermediate_refs)
