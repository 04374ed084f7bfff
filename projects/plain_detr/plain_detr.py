"""Plain-DETR detector (normalised or re-parameterised boxes).

Lin et al., `DETR Doesn't Need Multi-Scale or Locality Design
<https://arxiv.org/abs/2308.01904>`_ (ICCV 2023); official code
https://github.com/impiga/Plain-DETR (``models/detr.py``,
``models/transformer.py``).
"""
import math
from typing import Dict, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn
from torch.nn.init import normal_, xavier_uniform_

from mmdet.models.detectors import DeformableDETR
from mmdet.registry import MODELS
from projects.common.models import (gather_topk, init_linear_and_layernorm,
                                    sine_encoding)
from .box_reparam import delta2cxcywh, pack_reparam_boxes, pixel_proposals
from .plain_detr_layers import ProposalPyramid, PlainDetrTransformerDecoder


def hybrid_self_attn_mask(num_one2one: int, num_total: int,
                          device=None) -> Tensor:
    """(N, N) boolean mask, True = blocked: the one-to-one queries (the
    first ``num_one2one``) and the one-to-many ones never attend to each
    other (H-DETR's hybrid matching in one decoder pass)."""
    mask = torch.zeros(num_total, num_total, dtype=torch.bool, device=device)
    mask[num_one2one:, :num_one2one] = True
    mask[:num_one2one, num_one2one:] = True
    return mask


@MODELS.register_module()
class PlainDETR(DeformableDETR):
    """Plain-DETR: a single stride-16 map, no encoder, global cross-attention
    with BoxRPB, two-stage queries from a synthesised proposal pyramid and
    hybrid (one-to-one + one-to-many) matching.

    Deviations from :class:`mmdet.models.DeformableDETR` (two-stage, box
    refinement), each marked ``Plain-DETR:`` below: no encoder (the memory
    is the projected feature); proposals from :class:`ProposalPyramid`;
    top-K by the objectness channel 0; a content query embedding (mixed
    selection) with the positional query fixed across layers; the decoder
    of :mod:`.plain_detr_layers`; ``num_queries_one2many`` extra queries in
    training, separated by a block mask.

    With ``reparam=True`` (the official ``--reparam`` recipe) every box is
    in pixels: the proposals are anchors of side 50 * 2**level
    (:func:`.box_reparam.pixel_proposals`), each layer decodes a delta on
    its reference (:func:`.box_reparam.delta2cxcywh`, clipped to the valid
    image), the query position encodes the pixel coordinates as they are
    (no normalisation, as the official code), and the head's L1 loss and
    cost compare deltas. The flag is passed on to the decoder, its BoxRPB
    and the head.

    Args:
        num_queries_one2one (int): One-to-one queries (300), the only ones
            at test time.
        num_queries_one2many (int): One-to-many queries in training (1500).
        proposal_strides (Sequence[int]): Strides of the proposal pyramid.
        feature_stride (int): Stride of the single map (16).
        reparam (bool): Box re-parameterisation.
        *args, **kwargs: As :class:`mmdet.models.DeformableDETR`
            (``with_box_refine`` and ``as_two_stage`` must be True and
            ``num_feature_levels`` 1).
    """

    def __init__(self, *args, num_queries_one2one: int = 300,
                 num_queries_one2many: int = 1500,
                 proposal_strides: Sequence[int] = (8, 16, 32, 64),
                 feature_stride: int = 16, reparam: bool = False,
                 **kwargs) -> None:
        self.reparam = reparam
        self.num_queries_one2one = num_queries_one2one
        self.num_queries_one2many = num_queries_one2many
        self.proposal_strides = tuple(proposal_strides)
        self.feature_stride = feature_stride
        kwargs.setdefault('num_feature_levels', 1)
        kwargs['num_queries'] = num_queries_one2one
        if not (kwargs.get('with_box_refine') and kwargs.get('as_two_stage')
                and kwargs['num_feature_levels'] == 1):
            raise ValueError('PlainDETR needs with_box_refine=True, '
                             'as_two_stage=True and num_feature_levels=1.')
        # one flag for the decoder, its BoxRPB and the head
        kwargs['decoder'] = dict(kwargs['decoder'], reparam=reparam)
        layer_cfg = dict(kwargs['decoder']['layer_cfg'])
        layer_cfg['cross_attn_cfg'] = dict(layer_cfg['cross_attn_cfg'],
                                           reparam=reparam)
        kwargs['decoder']['layer_cfg'] = layer_cfg
        kwargs['bbox_head'] = dict(kwargs['bbox_head'], reparam=reparam)
        super().__init__(*args, **kwargs)

    def _init_layers(self) -> None:
        # Plain-DETR: the encoding is chosen by config (reparam: unnormalised)
        self.positional_encoding = MODELS.build(
            dict(dict(type='SinePositionalEncoding'),
                 **self.positional_encoding))
        # Plain-DETR: no encoder; the decoder cross-attends globally
        self.encoder = None
        self.decoder = PlainDetrTransformerDecoder(**self.decoder)
        self.embed_dims = self.decoder.embed_dims
        if self.positional_encoding.num_feats * 2 != self.embed_dims:
            raise ValueError('positional_encoding.num_feats must be half of '
                             f'embed_dims ({self.embed_dims})')
        self.level_embed = nn.Parameter(
            torch.Tensor(self.num_feature_levels, self.embed_dims))
        # Plain-DETR: the 4-level proposal tokens from the single map
        self.enc_output_proj = ProposalPyramid(
            self.embed_dims, self.feature_stride, self.proposal_strides)
        self.memory_trans_fc = nn.Linear(self.embed_dims, self.embed_dims)
        self.memory_trans_norm = nn.LayerNorm(self.embed_dims)
        self.pos_trans_fc = nn.Linear(self.embed_dims * 2,
                                      self.embed_dims * 2)
        self.pos_trans_norm = nn.LayerNorm(self.embed_dims * 2)
        # Plain-DETR: mixed selection, content queries are learned
        self.query_embedding = nn.Embedding(
            self.num_queries_one2one + self.num_queries_one2many,
            self.embed_dims)

    def init_weights(self) -> None:
        """The official initialisation: xavier for every matrix of the
        transformer, then trunc-normal(0.02) / zero bias for the decoder's
        linear layers and unit LayerNorms; normal level embedding; xavier
        input projection with zero bias; the head's own init."""
        super(DeformableDETR, self).init_weights()
        for module in (self.decoder, self.enc_output_proj,
                       self.memory_trans_fc, self.pos_trans_fc):
            for p in module.parameters():
                if p.dim() > 1:
                    xavier_uniform_(p)
        init_linear_and_layernorm(self.decoder)
        normal_(self.level_embed)
        for m in self.neck.modules():
            if isinstance(m, nn.Conv2d):  # the input projection
                xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward_encoder(self, feat: Tensor, feat_mask: Tensor,
                        feat_pos: Tensor, spatial_shapes: Tensor,
                        level_start_index: Tensor,
                        valid_ratios: Tensor) -> Dict:
        """Plain-DETR: no encoder, the memory is the projected map and the
        key position its sine encoding plus the level embedding."""
        return dict(memory=feat, memory_mask=feat_mask, memory_pos=feat_pos,
                    spatial_shapes=spatial_shapes)

    def pre_decoder(self, memory: Tensor, memory_mask: Optional[Tensor],
                    memory_pos: Tensor, spatial_shapes: Tensor
                    ) -> Tuple[Dict, Dict]:
        """Proposals on the pyramid, top-K by objectness, queries and the
        hybrid mask."""
        bs = memory.shape[0]
        num_layers = self.decoder.num_layers
        cls_branch = self.bbox_head.cls_branches[num_layers]
        reg_branch = self.bbox_head.reg_branches[num_layers]
        tokens, token_mask, token_shapes = self.enc_output_proj(
            memory, memory_mask, spatial_shapes[0])
        max_shape = None
        if self.reparam:
            output_memory, proposals, max_shape = pixel_proposals(
                tokens, token_mask, token_shapes, self.proposal_strides)
            output_memory = self.memory_trans_norm(
                self.memory_trans_fc(output_memory))
            enc_deltas = reg_branch(output_memory)
            enc_coords = delta2cxcywh(proposals, enc_deltas, max_shape)
        else:
            output_memory, proposals = self.gen_encoder_output_proposals(
                tokens, token_mask, token_shapes)
            enc_coords = reg_branch(output_memory) + proposals  # logits
        enc_logits = cls_branch(output_memory)
        num_queries = self.num_queries_one2one + (
            self.num_queries_one2many if self.training else 0)
        # Plain-DETR: ranked by channel 0 (objectness), first 300 one-to-one
        _, _, reference = gather_topk(enc_logits, enc_coords, num_queries,
                                      score_channel=0)
        num_queries = reference.size(1)
        if not self.reparam:
            reference = reference.sigmoid()
        # reparam: the pixel coordinates are encoded without normalising
        query_pos = self.pos_trans_norm(self.pos_trans_fc(sine_encoding(
            reference, self.embed_dims // 2, 10000, 2 * math.pi)))
        # Plain-DETR: only the positional half is used, for every layer
        query_pos = query_pos[..., :self.embed_dims]
        query = self.query_embedding.weight[None, :num_queries].expand(
            bs, -1, -1)
        num_one2one = min(self.num_queries_one2one, num_queries)
        self_attn_mask = None
        if self.training and num_queries > num_one2one:
            self_attn_mask = hybrid_self_attn_mask(num_one2one, num_queries,
                                                   memory.device)
        decoder_inputs_dict = dict(
            query=query,
            query_pos=query_pos,
            memory=memory,
            memory_pos=memory_pos,
            reference_points=reference,
            self_attn_mask=self_attn_mask,
            max_shape=max_shape)
        head_inputs_dict = dict(max_shape=max_shape)
        if self.training:
            # Plain-DETR: the encoder loss covers every pyramid token
            head_inputs_dict.update(
                enc_outputs_class=enc_logits,
                enc_outputs_coord=pack_reparam_boxes(
                    enc_coords, enc_deltas, proposals)
                if self.reparam else enc_coords.sigmoid(),
                num_queries_one2one=num_one2one)
        return decoder_inputs_dict, head_inputs_dict

    def forward_decoder(self, query: Tensor, query_pos: Tensor,
                        memory: Tensor, memory_pos: Tensor,
                        memory_mask: Optional[Tensor],
                        reference_points: Tensor, spatial_shapes: Tensor,
                        level_start_index: Tensor, valid_ratios: Tensor,
                        self_attn_mask: Optional[Tensor] = None,
                        max_shape: Optional[Tensor] = None) -> Dict:
        """Returns ``hidden_states`` (L, B, Nq, C) and ``references``: the
        initial references then each layer's refined ones, not detached."""
        hidden_states, references = self.decoder(
            query=query,
            query_pos=query_pos,
            memory=memory,
            memory_pos=memory_pos,
            memory_mask=memory_mask,
            reference_points=reference_points,
            spatial_shape=spatial_shapes[0],
            valid_ratios=valid_ratios,
            reg_branches=self.bbox_head.reg_branches,
            self_attn_mask=self_attn_mask,
            max_shape=max_shape)
        return dict(hidden_states=hidden_states,
                    references=[reference_points] + references)
