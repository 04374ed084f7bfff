"""Key rules from the official Relation-DETR checkpoints to
:class:`RelationDETR`.

The official state dicts (xiuqhou/Relation-DETR) are bare or under
``'model'``. Their classifiers have 91 outputs indexed by COCO category id;
for COCO they are cut to mmdet's 80 classes (rows of
:data:`COCO_CATEGORY_IDS`, in mmdet's class order). Encoder / decoder layer
norms and FFNs take mmdet's names (``norms.<i>``, ``ffn.layers``), the
encoder's class / box heads become the last ``cls_branches`` /
``reg_branches`` entry, and the neck convolutions after the backbone
levels are mmdet's ``extra_convs``.
"""
import re
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import torch

from projects.common.utils.checkpoint_convert import Conversion
from projects.common.utils.key_rules import (  # noqa: F401 (re-export)
    COCO_CATEGORY_IDS, Rule, apply_key_rules, detr_head_layout)

#: Official keys that have no counterpart on purpose.
DROPPED = ('_classes_', )


def _rules(num_layers: int, num_neck_inputs: int) -> List[Rule]:
    """(official key pattern, mmdet key, is a class-indexed tensor)."""
    dec_norms = {'norm2': 'norms.0', 'norm1': 'norms.1', 'norm3': 'norms.2'}
    enc_norms = {'norm1': 'norms.0', 'norm2': 'norms.1'}
    ffn = {'linear1': 'ffn.layers.0.0', 'linear2': 'ffn.layers.1'}

    def neck(m):
        i = int(m[1])
        if i < num_neck_inputs:
            return f'neck.convs.{i}.{"conv" if m[2] == "0" else "gn"}.{m[3]}'
        return (f'neck.extra_convs.{i - num_neck_inputs}.'
                f'{"conv" if m[2] == "0" else "gn"}.{m[3]}')

    return [
        (r'backbone\.(.+)', lambda m: f'backbone.{m[1]}', False),
        (r'neck\.convs\.(\d+)\.([01])\.(weight|bias)', neck, False),
        (r'transformer\.level_embeds', lambda m: 'level_embed', False),
        (r'transformer\.enc_output\.(\w+)',
         lambda m: f'memory_trans_fc.{m[1]}', False),
        (r'transformer\.enc_output_norm\.(\w+)',
         lambda m: f'memory_trans_norm.{m[1]}', False),
        (r'transformer\.tgt_embed\.weight',
         lambda m: 'query_embedding.weight', False),
        (r'transformer\.hybrid_tgt_embed\.weight',
         lambda m: 'hybrid_query_embedding.weight', False),
        (r'transformer\.encoder_class_head\.(\w+)',
         lambda m: f'bbox_head.cls_branches.{num_layers}.{m[1]}', True),
        (r'transformer\.encoder_bbox_head\.layers\.(\d)\.(\w+)',
         lambda m: f'bbox_head.reg_branches.{num_layers}.{2 * int(m[1])}.'
         f'{m[2]}', False),
        (r'transformer\.hybrid_class_head\.(\w+)',
         lambda m: f'hybrid_cls_branch.{m[1]}', True),
        (r'transformer\.hybrid_bbox_head\.layers\.(\d)\.(\w+)',
         lambda m: f'hybrid_reg_branch.{2 * int(m[1])}.{m[2]}', False),
        (r'transformer\.decoder\.class_head\.(\d+)\.(\w+)',
         lambda m: f'bbox_head.cls_branches.{m[1]}.{m[2]}', True),
        (r'transformer\.decoder\.bbox_head\.(\d+)\.layers\.(\d)\.(\w+)',
         lambda m: f'bbox_head.reg_branches.{m[1]}.{2 * int(m[2])}.{m[3]}',
         False),
        (r'transformer\.encoder\.layers\.(\d+)\.self_attn\.(.+)',
         lambda m: f'encoder.layers.{m[1]}.self_attn.{m[2]}', False),
        (r'transformer\.encoder\.layers\.(\d+)\.(norm[12])\.(\w+)',
         lambda m: f'encoder.layers.{m[1]}.{enc_norms[m[2]]}.{m[3]}', False),
        (r'transformer\.(encoder|decoder)\.layers\.(\d+)\.(linear[12])\.'
         r'(\w+)', lambda m: f'{m[1]}.layers.{m[2]}.{ffn[m[3]]}.{m[4]}',
         False),
        (r'transformer\.encoder\.memory_fusion\.(\d)\.(\w+)',
         lambda m: f'encoder.memory_fusion.{m[1]}.{m[2]}', False),
        (r'transformer\.decoder\.layers\.(\d+)\.self_attn\.(.+)',
         lambda m: f'decoder.layers.{m[1]}.self_attn.attn.{m[2]}', False),
        (r'transformer\.decoder\.layers\.(\d+)\.cross_attn\.(.+)',
         lambda m: f'decoder.layers.{m[1]}.cross_attn.{m[2]}', False),
        (r'transformer\.decoder\.layers\.(\d+)\.(norm[123])\.(\w+)',
         lambda m: f'decoder.layers.{m[1]}.{dec_norms[m[2]]}.{m[3]}', False),
        (r'transformer\.decoder\.(ref_point_head|query_scale)\.layers\.(\d)'
         r'\.(\w+)', lambda m: f'decoder.{m[1]}.layers.{m[2]}.{m[3]}', False),
        (r'transformer\.decoder\.norm\.(\w+)',
         lambda m: f'decoder.norm.{m[1]}', False),
        (r'transformer\.decoder\.position_relation_embedding\.(.+)',
         lambda m: f'decoder.position_relation_embedding.{m[1]}', False),
        (r'denoising_generator\.label_encoder\.weight',
         lambda m: 'dn_query_generator.label_embedding.weight', True),
    ]


def convert_official_relation_detr(
    official: Dict[str, torch.Tensor],
    num_layers: int = 6,
    num_neck_inputs: int = 3,
    class_rows: Optional[Tuple[int, ...]] = None
) -> Tuple['OrderedDict[str, torch.Tensor]', List[str]]:
    """Rename (and cut the class rows of) an official state dict.

    Args:
        official (dict): The official state dict.
        num_layers (int): Decoder layers (the encoder class head goes to
            ``bbox_head.cls_branches[num_layers]``).
        num_neck_inputs (int): Backbone levels entering the neck; the neck
            convs after them are mmdet's ``extra_convs``.
        class_rows (tuple, optional): Rows to keep, in order, of every
            class-indexed tensor; None keeps all.

    Returns:
        tuple: the converted state dict and the official keys that no rule
        placed (without :data:`DROPPED`).
    """
    return apply_key_rules(official, _rules(num_layers, num_neck_inputs),
                           class_rows, DROPPED)


def convert_for_model(official: Dict[str, torch.Tensor],
                      model_state: Optional[Dict[str, torch.Tensor]],
                      config: Optional[str] = None) -> Conversion:
    """Convert ``official`` for the model whose state dict is
    ``model_state``: its decoder depth, neck inputs and class count decide
    the mapping (91 COCO-id rows -> 80 classes when the model has 80).

    Raises:
        ValueError: when the class counts differ otherwise, or no model.
    """
    num_layers, class_rows, meta = detr_head_layout(
        official, model_state, 'transformer.decoder.class_head.0.weight',
        'Relation-DETR', config)
    num_neck_inputs = sum(1 for k in model_state if re.fullmatch(
        r'neck\.convs\.\d+\.conv\.weight', k))
    converted, unplaced = convert_official_relation_detr(
        official, num_layers, num_neck_inputs, class_rows)
    return Conversion(converted, unplaced=unplaced, meta=meta)
