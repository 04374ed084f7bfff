"""The transformer parts of a DINO-style detector, built from its config.

:meth:`mmdet.models.DINO._init_layers` hard-codes mmdet's encoder and
decoder classes; a method that changes one of them builds the same parts
with its own classes through :func:`init_dino_layers`;
:func:`dino_queries` is DINO's query selection for any image size.
"""
from typing import Dict, Tuple, Type

import torch
from torch import Tensor, nn

from mmdet.models.layers import SinePositionalEncoding
from mmdet.structures import OptSampleList
from .fused_attention import use_fused_attention
from .ms_deform_attn import use_auto_msda
from .query_selection import select_topk_proposals


def init_dino_layers(detector: nn.Module, encoder_cls: Type[nn.Module],
                     decoder_cls: Type[nn.Module]) -> None:
    """What ``DINO._init_layers`` builds, with these encoder / decoder
    classes: the positional encoding, encoder and decoder from the
    detector's config dicts (their deformable attention runs the compiled
    kernel where it exists, PyTorch otherwise), the content queries, the
    level embedding and the proposal projection ``memory_trans_fc`` /
    ``memory_trans_norm``. Their multi-head attention runs PyTorch's fused
    kernel (:func:`use_fused_attention`).

    Raises:
        ValueError: when the positional encoding is not half as wide as
            the transformer.
    """
    detector.positional_encoding = SinePositionalEncoding(
        **detector.positional_encoding)
    detector.encoder = use_fused_attention(
        use_auto_msda(encoder_cls(**detector.encoder)))
    detector.decoder = use_fused_attention(
        use_auto_msda(decoder_cls(**detector.decoder)))
    dims = detector.embed_dims = detector.encoder.embed_dims
    if detector.positional_encoding.num_feats * 2 != dims:
        raise ValueError('positional_encoding.num_feats must be half of '
                         f'embed_dims ({dims})')
    detector.query_embedding = nn.Embedding(detector.num_queries, dims)
    detector.level_embed = nn.Parameter(
        torch.Tensor(detector.num_feature_levels, dims))
    detector.memory_trans_fc = nn.Linear(dims, dims)
    detector.memory_trans_norm = nn.LayerNorm(dims)


def dino_queries(detector: nn.Module, memory: Tensor, memory_mask: Tensor,
                 spatial_shapes: Tensor,
                 batch_data_samples: OptSampleList = None
                 ) -> Tuple[Dict, Dict, Tensor, Tensor]:
    """``DINO.pre_decoder`` with the top-K capped by the token count.

    mmdet's DINO asks ``torch.topk`` for ``num_queries`` tokens and stops
    with ``selected index k out of range`` on an image with fewer tokens
    (a 128x160 input has 426 tokens for 900 queries); here such an image
    decodes as many queries as it has tokens, and the denoising attention
    mask is cut to match. Everything else is DINO's.

    Returns:
        tuple: DINO's ``decoder_inputs_dict`` and ``head_inputs_dict``,
        and the projected memory and its unsigmoided anchor boxes
        (``gen_encoder_output_proposals``), for a method that selects more
        queries from them.
    """
    bs = memory.shape[0]
    output_memory, output_proposals = detector.gen_encoder_output_proposals(
        memory, memory_mask, spatial_shapes)
    num_layers = detector.decoder.num_layers
    enc_scores, enc_boxes, reference_unact = select_topk_proposals(
        output_memory, output_proposals,
        detector.bbox_head.cls_branches[num_layers],
        detector.bbox_head.reg_branches[num_layers], detector.num_queries)
    num_queries = reference_unact.size(1)
    query = detector.query_embedding.weight[None, :num_queries].expand(
        bs, -1, -1)
    head_inputs = dict()
    dn_mask = None
    if detector.training:
        dn_label_query, dn_bbox_query, dn_mask, dn_meta = \
            detector.dn_query_generator(batch_data_samples)
        query = torch.cat([dn_label_query, query], dim=1)
        if dn_mask is not None:  # the mask was made for num_queries
            dn_mask = dn_mask[:query.size(1), :query.size(1)]
        reference_unact = torch.cat([dn_bbox_query, reference_unact], dim=1)
        head_inputs = dict(enc_outputs_class=enc_scores,
                           enc_outputs_coord=enc_boxes, dn_meta=dn_meta)
    decoder_inputs = dict(query=query, memory=memory,
                          reference_points=reference_unact.sigmoid(),
                          dn_mask=dn_mask)
    return decoder_inputs, head_inputs, output_memory, output_proposals
