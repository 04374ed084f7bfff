"""Key rules from the official Plain-DETR checkpoints to :class:`PlainDETR`.

The official checkpoints (impiga/Plain-DETR ``main.py``) hold the weights
under ``'model'``. Their classifiers have 91 outputs indexed by COCO
category id; for COCO they are cut to mmdet's 80 classes (rows of
``COCO_CATEGORY_IDS``) except in the encoder head (``class_embed.6``),
whose row 0 is the binary objectness ranked by the two-stage selection
and stays row 0. The decoder's ``class_embed`` / ``bbox_embed`` are the
model's own heads shared by reference, so their ``transformer.decoder.*``
aliases are dropped. Layer norms and FFNs take mmdet's names (``norms.<i>``
in the official order of operations: norm2 before self-attention, norm1
before cross-attention, norm3 before the FFN).
"""
import re
from typing import Dict, List, Optional

import torch

from projects.common.utils.checkpoint_convert import Conversion
from projects.common.utils.key_rules import (OBJECTNESS, Rule,
                                             apply_key_rules,
                                             detr_head_layout)

#: official keys duplicated under the decoder (shared modules)
ALIASES = re.compile(r'transformer\.decoder\.(class_embed|bbox_embed)\..+')


def _rules(num_layers: int) -> List[Rule]:
    """(official key pattern, mmdet key, class rows)."""
    norms = {'norm2': 'norms.0', 'norm1': 'norms.1', 'norm3': 'norms.2'}
    ffn = {'linear1': 'ffn.layers.0.0', 'linear2': 'ffn.layers.1'}
    return [
        (r'backbone\.0\.net\.body\.(.+)', lambda m: f'backbone.{m[1]}',
         False),
        (r'backbone\.0\.net\.(.+)', lambda m: f'backbone.{m[1]}', False),
        (r'backbone\.0\.upsample\.0\.(weight|bias)',
         lambda m: f'neck.0.upsample.{m[1]}', False),
        (r'input_proj\.0\.0\.(weight|bias)',
         lambda m: f'neck.1.convs.0.conv.{m[1]}', False),
        (r'input_proj\.0\.1\.(weight|bias)',
         lambda m: f'neck.1.convs.0.gn.{m[1]}', False),
        (r'transformer\.level_embed', lambda m: 'level_embed', False),
        (r'transformer\.enc_output\.(weight|bias)',
         lambda m: f'memory_trans_fc.{m[1]}', False),
        (r'transformer\.enc_output_norm\.(weight|bias)',
         lambda m: f'memory_trans_norm.{m[1]}', False),
        (r'transformer\.pos_trans\.(weight|bias)',
         lambda m: f'pos_trans_fc.{m[1]}', False),
        (r'transformer\.pos_trans_norm\.(weight|bias)',
         lambda m: f'pos_trans_norm.{m[1]}', False),
        (r'transformer\.enc_output_proj\.(.+)',
         lambda m: f'enc_output_proj.branches.{m[1]}', False),
        (r'query_embed\.weight', lambda m: 'query_embedding.weight', False),
        (rf'class_embed\.{num_layers}\.(weight|bias)',
         lambda m: f'bbox_head.cls_branches.{num_layers}.{m[1]}',
         OBJECTNESS),
        (r'class_embed\.(\d+)\.(weight|bias)',
         lambda m: f'bbox_head.cls_branches.{m[1]}.{m[2]}', True),
        (r'bbox_embed\.(\d+)\.layers\.(\d)\.(weight|bias)',
         lambda m: f'bbox_head.reg_branches.{m[1]}.{2 * int(m[2])}.{m[3]}',
         False),
        (r'transformer\.decoder\.layers\.(\d+)\.self_attn\.(.+)',
         lambda m: f'decoder.layers.{m[1]}.self_attn.attn.{m[2]}', False),
        (r'transformer\.decoder\.layers\.(\d+)\.cross_attn\.(.+)',
         lambda m: f'decoder.layers.{m[1]}.cross_attn.{m[2]}', False),
        (r'transformer\.decoder\.layers\.(\d+)\.(norm[123])\.(weight|bias)',
         lambda m: f'decoder.layers.{m[1]}.{norms[m[2]]}.{m[3]}', False),
        (r'transformer\.decoder\.layers\.(\d+)\.(linear[12])\.(weight|bias)',
         lambda m: f'decoder.layers.{m[1]}.{ffn[m[2]]}.{m[3]}', False),
        (r'transformer\.decoder\.final_layer_norm\.(weight|bias)',
         lambda m: f'decoder.norm.{m[1]}', False),
    ]


def convert_official_plain_detr(official: Dict[str, torch.Tensor],
                                num_layers: int = 6,
                                class_rows=None):
    """Rename (and cut the class rows of) an official state dict.

    Returns:
        tuple: the converted state dict, the official keys no rule placed
        and the dropped aliases.
    """
    aliases = [k for k in official if ALIASES.fullmatch(k)]
    converted, unplaced = apply_key_rules(official, _rules(num_layers),
                                          class_rows, aliases)
    return converted, unplaced, aliases


def convert_for_model(official: Dict[str, torch.Tensor],
                      model_state: Optional[Dict[str, torch.Tensor]],
                      config: Optional[str] = None) -> Conversion:
    """Convert ``official`` for the model whose state dict is
    ``model_state`` (its decoder depth and class count decide the mapping:
    91 COCO-id rows -> 80 classes when the model has 80).

    Raises:
        ValueError: when the class counts differ otherwise, or no model.
    """
    num_layers, class_rows, meta = detr_head_layout(
        official, model_state, 'class_embed.0.weight', 'Plain-DETR', config)
    converted, unplaced, aliases = convert_official_plain_detr(
        official, num_layers, class_rows)
    return Conversion(converted, unplaced=unplaced, dropped=aliases,
                      meta=meta)
