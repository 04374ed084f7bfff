"""Encoder and decoder of Relation-DETR (the position relation they use is
in :mod:`.position_relation`).

Hou et al., `Relation DETR: Exploring Explicit Position Relation Prior for
Object Detection <https://arxiv.org/abs/2407.11699>`_ (ECCV 2024); official
code https://github.com/xiuqhou/Relation-DETR. Each class extends mmdet's
DINO counterpart; the comments name what differs.
"""
from typing import List, NamedTuple, Optional, Tuple

import torch
from torch import Tensor, nn

from mmdet.models.layers import (DeformableDetrTransformerDecoderLayer,
                                 DeformableDetrTransformerEncoder,
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


class GroupedDecoderLayer(DeformableDetrTransformerDecoderLayer):
    """mmdet's deformable decoder layer whose queries may form groups that
    do not attend to each other.

    With ``group_sizes`` (the sizes of consecutive groups along the queries)
    and one ``self_attn_mask`` per group, self-attention runs within each
    group; the cross-attention, FFN and norms, which act on each query
    alone, run on all of them at once. Without it, this is
    :class:`DeformableDetrTransformerDecoderLayer` (the same order:
    self-attention, norm, cross-attention, norm, FFN, norm).
    """

    def forward(self,
                query: Tensor,
                key: Tensor = None,
                value: Tensor = None,
                query_pos: Tensor = None,
                key_pos: Tensor = None,
                self_attn_mask=None,
                cross_attn_mask: Tensor = None,
                key_padding_mask: Tensor = None,
                group_sizes: Optional[List[int]] = None,
                **kwargs) -> Tensor:
        if group_sizes is None:
            group_sizes, self_attn_mask = [query.size(1)], [self_attn_mask]
        query = _cat([
            self.norms[0](self.self_attn(
                query=part, key=part, value=part, query_pos=part_pos,
                key_pos=part_pos, attn_mask=mask, **kwargs))
            for part, part_pos, mask in zip(
                query.split(group_sizes, 1), query_pos.split(group_sizes, 1),
                self_attn_mask)
        ])
        query = self.norms[1](self.cross_attn(
            query=query,
            key=key,
            value=value,
            query_pos=query_pos,
            key_pos=key_pos,
            attn_mask=cross_attn_mask,
            key_padding_mask=key_padding_mask,
            **kwargs))
        return self.norms[2](self.ffn(query))


class RelationDetrTransformerDecoder(DinoTransformerDecoder):
    """DINO decoder with conditional position scaling and position relation.

    Relation-DETR deviations from :class:`DinoTransformerDecoder`:

    * from layer 1 on, the query position is multiplied by
      ``query_scale(query)`` (an MLP of the previous layer's output);
    * from layer 1 on, self-attention gets a float bias: the position
      relation between the boxes predicted by the previous two layers
      (layer 1 uses the initial references as the older set), -inf where
      the denoising mask blocks;
    * ``skip_relation=True`` keeps the plain mask (the hybrid queries'
      one-to-many decoding);
    * when training, the hybrid queries are decoded in the same call as a
      second group (``hybrid``, :meth:`forward_groups`): the official code
      runs a second decoder pass; the numbers are the same.

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
        # mmdet's layers, given group-wise self-attention: a subclass with
        # no parameter of its own (switching the class keeps the weights,
        # their names and the random initialisation of mmdet's)
        for layer in self.layers:
            layer.__class__ = GroupedDecoderLayer
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
                hybrid: Optional['QueryGroup'] = None,
                **kwargs) -> Tuple[Tensor, ...]:
        """Same contract as :meth:`DinoTransformerDecoder.forward` (returns
        the normalised hidden states of every layer and the references
        before each layer plus the last refined one).

        Relation-DETR: ``hybrid`` (training) is a second group of queries
        decoded alongside, attending neither to these queries nor they to
        it (:meth:`forward_groups`); its hidden states and references
        follow these queries' in the returned tuple.
        """
        groups = [QueryGroup(query, reference_points, self_attn_mask,
                             not skip_relation)]
        if hybrid is not None:
            groups.append(hybrid)
        decoded = self.forward_groups(groups, value, key_padding_mask,
                                      spatial_shapes, level_start_index,
                                      valid_ratios, reg_branches, **kwargs)
        return sum(decoded, ())

    def forward_groups(self, groups: List['QueryGroup'], value: Tensor,
                       key_padding_mask: Tensor, spatial_shapes: Tensor,
                       level_start_index: Tensor, valid_ratios: Tensor,
                       reg_branches: nn.ModuleList,
                       **kwargs) -> List[Tuple[Tensor, Tensor]]:
        """Decode groups of queries that never attend to each other (the
        matching queries and the hybrid ones): for each group what
        :meth:`forward` returns for it alone.

        Each layer runs self-attention group by group (each with its own
        mask and relation, :class:`GroupedDecoderLayer`); everything else
        acts on every query alone (deformable cross-attention into the same
        memory, the FFN, the norms, the query positions, the box
        refinement), so it runs once on all groups' queries side by side:
        the same numbers as one pass per group (up to float rounding), with
        the memory's value projection and every operation launched once per
        layer instead of once per group.
        """
        sizes = [group.query.size(1) for group in groups]
        query = _cat([group.query for group in groups])
        reference_points = _cat([group.reference_points for group in groups])
        masks = [group.self_attn_mask for group in groups]
        previous_boxes = [group.reference_points for group in groups]
        relation = [group.with_relation and self.with_position_relation
                    for group in groups]
        intermediate, intermediate_refs = [], [reference_points]
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
                self_attn_mask=masks if len(groups) > 1 else masks[0],
                group_sizes=sizes if len(groups) > 1 else None,
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
            if lid < self.num_layers - 1:
                self._next_relation(lid, relation, masks, previous_boxes,
                                    groups, hidden.split(sizes, 1),
                                    reference_unact.split(sizes, 1),
                                    reg_branches)
            reference_points = new_reference.detach()
        hidden_states = torch.stack(intermediate).split(sizes, 2)
        references = torch.stack(intermediate_refs).split(sizes, 2)
        return list(zip(hidden_states, references))

    def _next_relation(self, lid, relation, masks, previous_boxes, groups,
                       hiddens, reference_unacts, reg_branches) -> None:
        """Relation-DETR: the self-attention bias of the next layer, for
        each group with relation, from the boxes layer ``lid`` predicts
        (what the head outputs); updates ``masks`` and ``previous_boxes``."""
        for index, with_relation in enumerate(relation):
            if not with_relation:
                continue
            with torch.no_grad():
                boxes = (reg_branches[lid](hiddens[index]) +
                         reference_unacts[index]).sigmoid()
            mask = self.position_relation_embedding(
                previous_boxes[index], boxes).flatten(0, 1)
            if groups[index].self_attn_mask is not None:
                mask = mask.masked_fill(groups[index].self_attn_mask,
                                        float('-inf'))
            masks[index] = mask
            previous_boxes[index] = boxes


def _cat(tensors: List[Tensor]) -> Tensor:
    """The groups' tensors side by side along the queries (no copy for
    one group)."""
    return tensors[0] if len(tensors) == 1 else torch.cat(tensors, 1)


class QueryGroup(NamedTuple):
    """Queries decoded together by
    :meth:`RelationDetrTransformerDecoder.forward_groups`, attending only to
    each other.

    Attributes:
        query (Tensor): (bs, n, dims) content queries.
        reference_points (Tensor): (bs, n, 4) normalised boxes.
        self_attn_mask (Tensor | None): (n, n) bool, True where a query must
            not attend (DINO's denoising mask), or None.
        with_relation (bool): Whether the group gets the position relation
            (the decoder's ``with_position_relation`` must be on as well).
    """
    query: Tensor
    reference_points: Tensor
    self_attn_mask: Optional[Tensor] = None
    with_relation: bool = True
