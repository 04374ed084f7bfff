"""Model pieces shared by several methods, or written to be (each usable
alone; a piece only one method needs lives with that method, e.g.
MixFormer's precise RoI pooling).

- :class:`AutoMultiScaleDeformableAttention` / :func:`ms_deform_attn`
  (``ms_deform_attn.py``): mmcv's deformable attention, which runs
  wherever mmcv's compiled kernel is missing: this project's compiled CPU
  operator (``projects/common/ops``), else PyTorch paths (a weighted
  gather, :func:`deform_attn_gather`, for inference). Relation-DETR,
  Focus-DETR.
- :func:`select_topk_proposals` / :func:`gather_topk`
  (``query_selection.py``): two-stage top-K query selection from encoder
  tokens, by the best class (Relation-DETR) or by one channel (Plain-DETR's
  objectness).
- :func:`repeat_instances` (``one_to_many.py``): ground truth repeated for
  the hybrid (one-to-many) branch. Relation-DETR, Plain-DETR.
- :class:`IoUAwareBCELoss` (``iou_aware_bce_loss.py``): the IoU-aware
  classification loss. Relation-DETR.
- :func:`sine_encoding` / :func:`sine_frequencies` (``sine_encoding.py``):
  the sin/cos encoding of box coordinates and its frequencies.
  Relation-DETR (relation and query positions), Plain-DETR (query
  positions, its unnormalised map encoding).
- :func:`init_linear_and_layernorm` (``weight_init.py``): trunc-normal
  linear / unit LayerNorm initialisation. BiFormer, MixFormer, Plain-DETR.
- :class:`ReferenceEpsMixin` (``reference_eps.py``): box refinement with
  the official inverse-sigmoid eps 1e-3. Relation-DETR, Focus-DETR.
- :func:`use_fused_attention` (``fused_attention.py``): mmcv's
  ``MultiheadAttention`` on PyTorch's fused attention kernel (it never asks
  for the attention map it discards). Relation-DETR, Focus-DETR,
  Plain-DETR.
- :func:`init_dino_layers` / :func:`dino_queries` (``dino_layers.py``):
  DINO's transformer parts with a method's own encoder / decoder classes,
  and its query selection capped by the token count. Relation-DETR,
  Focus-DETR.
- :class:`BatchedTargetsMixin` / :func:`batchable`
  (``batched_targets.py``): DETR's Hungarian targets of a batch with one
  cost evaluation instead of one per image. Relation-DETR.
"""
from .batched_targets import BatchedTargetsMixin, batchable
from .dino_layers import dino_queries, init_dino_layers
from .fused_attention import use_explicit_attention, use_fused_attention
from .iou_aware_bce_loss import IoUAwareBCELoss, iou_aware_bce_loss
from .ms_deform_attn import (AutoMultiScaleDeformableAttention,
                             deform_attn_gather, kernel_available,
                             ms_deform_attn, set_msda_fast, use_auto_msda)
from .one_to_many import repeat_instances
from .query_selection import gather_topk, select_topk_proposals
from .reference_eps import ReferenceEpsMixin
from .sine_encoding import sine_encoding, sine_frequencies
from .weight_init import init_linear_and_layernorm

__all__ = [
    'AutoMultiScaleDeformableAttention', 'BatchedTargetsMixin', 'batchable',
    'deform_attn_gather',
    'dino_queries', 'gather_topk',
    'init_dino_layers',
    'IoUAwareBCELoss',
    'iou_aware_bce_loss', 'kernel_available', 'ms_deform_attn',
    'ReferenceEpsMixin', 'repeat_instances', 'select_topk_proposals',
    'set_msda_fast', 'sine_encoding', 'sine_frequencies',
    'init_linear_and_layernorm', 'use_auto_msda', 'use_explicit_attention',
    'use_fused_attention'
]
