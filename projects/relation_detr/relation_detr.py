"""Relation-DETR detector.

Hou et al., `Relation DETR: Exploring Explicit Position Relation Prior for
Object Detection <https://arxiv.org/abs/2407.11699>`_ (ECCV 2024); official
code https://github.com/xiuqhou/Relation-DETR.
"""
import copy
from typing import Dict, Optional, Tuple

import torch
from mmengine.model import bias_init_with_prob
from torch import Tensor, nn

from mmdet.models.detectors import DINO
from mmdet.registry import MODELS
from mmdet.structures import OptSampleList
from projects.common.models import (dino_queries, init_dino_layers,
                                    select_topk_proposals)
from .relation_detr_layers import (QueryGroup, RelationDetrTransformerDecoder,
                                   RelationDetrTransformerEncoder)


@MODELS.register_module()
class RelationDETR(DINO):
    """Relation-DETR: DINO with explicit position relation.

    Deviations from :class:`mmdet.models.DINO` (one line each below, marked
    ``Relation-DETR:``): memory fusion after the encoder, conditional query
    position scaling and the position-relation attention bias in the decoder
    (:mod:`.relation_detr_layers`), and a training-only hybrid branch of
    ``num_hybrid_queries`` queries selected by their own encoder heads and
    decoded by the same decoder without relation nor mask, trained with
    one-to-many matching in :class:`RelationDETRHead`.

    Every part is a config switch, so the paper's ablations and "DINO +
    position relation" are configs (``configs/relation_detr/ablations/``):
    ``num_hybrid_queries=0`` (no hybrid branch),
    ``encoder.with_memory_fusion``, ``decoder.with_position_relation``,
    ``decoder.with_query_scale`` and ``bbox_head.loss_cls`` (``FocalLoss``
    instead of ``IoUAwareBCELoss``). With all of them off the model computes
    what mmdet's DINO computes (``tests/relation_detr``).

    Args:
        num_hybrid_queries (int): Queries of the hybrid branch; 0 turns the
            branch off. Defaults to 1500.
        *args, **kwargs: As :class:`mmdet.models.DINO`.
    """

    def __init__(self, *args, num_hybrid_queries: int = 1500,
                 **kwargs) -> None:
        self.num_hybrid_queries = num_hybrid_queries
        super().__init__(*args, **kwargs)

    def _init_layers(self) -> None:
        # Relation-DETR: memory fusion / query scale + position relation
        init_dino_layers(self, RelationDetrTransformerEncoder,
                         RelationDetrTransformerDecoder)
        if not self.num_hybrid_queries:
            return
        # Relation-DETR: the hybrid branch's queries and encoder heads
        self.hybrid_query_embedding = nn.Embedding(self.num_hybrid_queries,
                                                   self.embed_dims)
        self.hybrid_cls_branch = nn.Linear(self.embed_dims,
                                           self.bbox_head.num_classes)
        self.hybrid_reg_branch = copy.deepcopy(
            self.bbox_head.reg_branches[-1])

    def init_weights(self) -> None:
        super().init_weights()
        # Relation-DETR initialises the new parts as the official code does
        nn.init.normal_(self.query_embedding.weight)
        reg_branches = list(self.bbox_head.reg_branches)
        if self.num_hybrid_queries:
            nn.init.normal_(self.hybrid_query_embedding.weight)
            nn.init.constant_(self.hybrid_cls_branch.bias,
                              bias_init_with_prob(0.01))
            nn.init.constant_(self.hybrid_reg_branch[-1].weight, 0)
            nn.init.constant_(self.hybrid_reg_branch[-1].bias, 0)
            reg_branches.append(self.hybrid_reg_branch)
        if self.encoder.with_memory_fusion:
            for module in self.encoder.memory_fusion.modules():
                if hasattr(module, 'reset_parameters'):
                    module.reset_parameters()
        if self.decoder.with_position_relation:
            self.decoder.position_relation_embedding.pos_proj[
                0].reset_parameters()
        # official MLPs (box branches, ref_point_head, query_scale) are
        # xavier with zero bias; mmdet leaves the hidden box layers default
        hidden = [layer for branch in reg_branches
                  for layer in branch[:-1] if isinstance(layer, nn.Linear)]
        hidden.extend(self.decoder.ref_point_head.layers)
        if self.decoder.with_query_scale:
            hidden.extend(self.decoder.query_scale.layers)
        for layer in hidden:
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)

    def pre_decoder(
        self,
        memory: Tensor,
        memory_mask: Tensor,
        spatial_shapes: Tensor,
        batch_data_samples: OptSampleList = None,
    ) -> Tuple[Dict, Dict]:
        """Select the top-k encoder tokens as queries (DINO), plus, when
        training, the hybrid branch's own top-k."""
        # Relation-DETR: an image with fewer tokens than queries (top-k is
        # capped by the token count) decodes as many queries as tokens
        decoder_inputs_dict, head_inputs_dict, output_memory, \
            output_proposals = dino_queries(self, memory, memory_mask,
                                            spatial_shapes,
                                            batch_data_samples)
        if self.training and self.num_hybrid_queries:
            # Relation-DETR: hybrid queries from separate encoder heads
            hybrid_scores, hybrid_boxes, hybrid_unact = select_topk_proposals(
                output_memory, output_proposals, self.hybrid_cls_branch,
                self.hybrid_reg_branch, self.num_hybrid_queries)
            decoder_inputs_dict.update(
                hybrid_query=self.hybrid_query_embedding.weight[
                    None, :hybrid_unact.size(1)].expand(memory.size(0), -1,
                                                        -1),
                hybrid_reference_points=hybrid_unact.sigmoid())
            head_inputs_dict.update(
                hybrid_enc_outputs_class=hybrid_scores,
                hybrid_enc_outputs_coord=hybrid_boxes)
        return decoder_inputs_dict, head_inputs_dict

    def forward_decoder(self,
                        query: Tensor,
                        memory: Tensor,
                        memory_mask: Tensor,
                        reference_points: Tensor,
                        spatial_shapes: Tensor,
                        level_start_index: Tensor,
                        valid_ratios: Tensor,
                        dn_mask: Optional[Tensor] = None,
                        hybrid_query: Optional[Tensor] = None,
                        hybrid_reference_points: Optional[Tensor] = None,
                        **kwargs) -> Dict:
        """Decode the (denoising +) matching queries with position relation
        and, when training, the hybrid queries without it."""
        # Relation-DETR: when training, the hybrid queries are decoded by
        # the same decoder without relation nor mask; the official code runs
        # a second decoder pass, here both groups share one (the same
        # numbers: they only meet where each query is handled alone)
        hybrid = None
        if self.training and hybrid_query is not None:
            hybrid = QueryGroup(hybrid_query, hybrid_reference_points, None,
                                with_relation=False)
        hidden_states, references, *decoded_hybrid = self.decoder(
            query=query,
            value=memory,
            key_padding_mask=memory_mask,
            self_attn_mask=dn_mask,
            reference_points=reference_points,
            spatial_shapes=spatial_shapes,
            level_start_index=level_start_index,
            valid_ratios=valid_ratios,
            reg_branches=self.bbox_head.reg_branches,
            hybrid=hybrid,
            **kwargs)
        outputs = dict(hidden_states=hidden_states, references=list(references))
        if self.training:
            # keep the label embedding in the graph when a batch has no
            # ground truth (no denoising query), as DINO does
            outputs['hidden_states'] = hidden_states + \
                self.dn_query_generator.label_embedding.weight[0, 0] * 0.0
        if decoded_hybrid:
            hybrid_states, hybrid_refs = decoded_hybrid
            outputs.update(
                hybrid_hidden_states=hybrid_states,
                hybrid_references=list(hybrid_refs))
        return outputs
