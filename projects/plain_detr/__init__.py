"""Plain-DETR with BoxRPB (ICCV 2023) for MMDetection 3.x."""
from .box_reparam import DeltaL1Cost, bbox2delta, delta2cxcywh
from .box_rpb import BoxRPBCrossAttention
from .plain_detr import PlainDETR, hybrid_self_attn_mask
from .plain_detr_head import PlainDETRHead
from .plain_detr_layers import (PlainDetrTransformerDecoder,
                                PlainDetrTransformerDecoderLayer,
                                ProposalPyramid, TransposedConvUpsample,
                                UnnormalizedSinePositionalEncoding)
from .swin_v2 import PlainDETRSwinTransformerV2

__all__ = [
    'BoxRPBCrossAttention', 'DeltaL1Cost', 'PlainDETR', 'PlainDETRHead',
    'PlainDETRSwinTransformerV2', 'PlainDetrTransformerDecoder',
    'PlainDetrTransformerDecoderLayer', 'ProposalPyramid',
    'TransposedConvUpsample', 'UnnormalizedSinePositionalEncoding',
    'bbox2delta', 'delta2cxcywh', 'hybrid_self_attn_mask'
]
