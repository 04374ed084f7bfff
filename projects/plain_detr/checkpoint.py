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

Swin-V2 backbones (official ``models/swin_transformer_v2.py``) take
mmpretrain's names (:mod:`.swin_v2`): ``layers.{s}.blocks.{b}`` ->
``stages.{s}.blocks.{b}`` (attention under ``attn.w_msa``, ``mlp.fc1/2``
-> ``ffn.layers.0.0/1``), the patch merging closing stage s opens
mmpretrain's stage s + 1 and its reduction weight is permuted to
``nn.Unfold``'s channel order; the relative-coordinate and index buffers
are not weights (rebuilt from the window sizes) and are dropped. The same
rules convert the official pre-trained Swin-V2 backbones alone (the
supervised ``swinv2_small_patch4_window16_256`` and the SimMIM
``swinv2_small_1k_500k``, with their ``encoder.`` prefix and ``rpe_mlp``
names) into ``backbone.*`` weights for ``init_cfg``.
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
#: Swin-V2 buffers rebuilt from the window sizes, not weights (the
#: classification checkpoints also store the shift masks)
SWIN_BUFFERS = ('relative_coords_table', 'relative_position_index',
                'attn_mask')
#: keys of the official pre-training checkpoints the detector has no use
#: for (classifier head and final norm, SimMIM mask token)
PRETRAIN_EXTRAS = re.compile(r'(head\..+|norm\.(weight|bias)|mask_token)')
#: the official patch-merging order (h, w) = (0,0), (1,0), (0,1), (1,1) as
#: indices of nn.Unfold's (0,0), (0,1), (1,0), (1,1)
UNFOLD_ORDER = (0, 2, 1, 3)


def swin_v2_rules(src: str, dst: str = 'backbone.') -> List[Rule]:
    """Official Swin-V2 keys under ``src`` -> mmpretrain names under
    ``dst``."""
    ffn = {'fc1': 'ffn.layers.0.0', 'fc2': 'ffn.layers.1'}
    src = re.escape(src)
    return [
        (rf'{src}patch_embed\.proj\.(weight|bias)',
         lambda m: f'{dst}patch_embed.projection.{m[1]}', False),
        (rf'{src}patch_embed\.norm\.(weight|bias)',
         lambda m: f'{dst}patch_embed.norm.{m[1]}', False),
        (rf'{src}layers\.(\d+)\.blocks\.(\d+)\.attn\.(.+)',
         lambda m: f'{dst}stages.{m[1]}.blocks.{m[2]}.attn.w_msa.{m[3]}',
         False),
        (rf'{src}layers\.(\d+)\.blocks\.(\d+)\.(norm[12])\.(weight|bias)',
         lambda m: f'{dst}stages.{m[1]}.blocks.{m[2]}.{m[3]}.{m[4]}', False),
        (rf'{src}layers\.(\d+)\.blocks\.(\d+)\.mlp\.(fc[12])\.(weight|bias)',
         lambda m: f'{dst}stages.{m[1]}.blocks.{m[2]}.{ffn[m[3]]}.{m[4]}',
         False),
        (rf'{src}layers\.(\d+)\.downsample\.(reduction|norm)\.(weight|bias)',
         lambda m: f'{dst}stages.{int(m[1]) + 1}.downsample.{m[2]}.{m[3]}',
         False),
        (rf'{src}norm(\d)\.(weight|bias)', lambda m: f'{dst}norm{m[1]}.{m[2]}',
         False),
    ]


def unfold_reduction_order(weight: torch.Tensor) -> torch.Tensor:
    """Patch-merging reduction (out, 4C) from the official concatenation
    (neighbour-major) to nn.Unfold's (channel-major) input order."""
    out, four_c = weight.shape
    return weight.view(out, 4, four_c // 4)[:, list(UNFOLD_ORDER)].transpose(
        1, 2).reshape(out, four_c)


def _fix_swin_v2(converted: Dict[str, torch.Tensor]) -> None:
    for key in converted:
        if re.fullmatch(r'.*stages\.\d+\.downsample\.reduction\.weight', key):
            converted[key] = unfold_reduction_order(converted[key])


def _rules(num_layers: int) -> List[Rule]:
    """(official key pattern, mmdet key, class rows)."""
    norms = {'norm2': 'norms.0', 'norm1': 'norms.1', 'norm3': 'norms.2'}
    ffn = {'linear1': 'ffn.layers.0.0', 'linear2': 'ffn.layers.1'}
    return swin_v2_rules('backbone.0.net.body.') + [
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
    dropped = [k for k in official
               if ALIASES.fullmatch(k) or k.endswith(SWIN_BUFFERS)]
    converted, unplaced = apply_key_rules(official, _rules(num_layers),
                                          class_rows, dropped)
    _fix_swin_v2(converted)
    return converted, unplaced, dropped


def is_swin_v2_backbone(official: Dict[str, torch.Tensor]) -> bool:
    """True for an official pre-trained Swin-V2 alone (no detector)."""
    return not any(k.startswith('transformer.') for k in official) and any(
        re.fullmatch(r'(encoder\.)?patch_embed\.proj\.weight', k)
        for k in official)


def convert_official_swin_v2(official: Dict[str, torch.Tensor]):
    """Rename an official pre-trained Swin-V2 (supervised or SimMIM) to
    ``backbone.*`` mmpretrain names.

    Returns:
        tuple: the converted state dict, the keys no rule placed and the
        dropped ones (buffers, classifier, final norm, mask token).
    """
    if any(k.startswith('encoder.') for k in official):  # SimMIM
        official = {k[len('encoder.'):]: v for k, v in official.items()
                    if k.startswith('encoder.')}
    official = {k.replace('rpe_mlp', 'cpb_mlp'): v
                for k, v in official.items()}
    dropped = [k for k in official
               if k.endswith(SWIN_BUFFERS) or PRETRAIN_EXTRAS.fullmatch(k)]
    converted, unplaced = apply_key_rules(official, swin_v2_rules(''),
                                          None, dropped)
    _fix_swin_v2(converted)
    return converted, unplaced, dropped


def _weights_only(state: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    return {k: v for k, v in state.items() if not k.endswith(SWIN_BUFFERS)}


def convert_for_model(official: Dict[str, torch.Tensor],
                      model_state: Optional[Dict[str, torch.Tensor]],
                      config: Optional[str] = None) -> Conversion:
    """Convert ``official`` for the model whose state dict is
    ``model_state`` (its decoder depth and class count decide the mapping:
    91 COCO-id rows -> 80 classes when the model has 80).

    An official pre-trained Swin-V2 alone is converted to the ``backbone``
    of that model (an ``init_cfg`` checkpoint with prefix ``backbone.``).

    Raises:
        ValueError: when the class counts differ otherwise, no model, or
            the checkpoint's backbone is not the model's.
    """
    swin = any('patch_embed.proj.weight' in k for k in official)
    if model_state is not None and swin != any(
            k.startswith('backbone.stages.') for k in model_state):
        fitting = ('plain-detr_swinv2-s_16xb1-12e_coco.py' if swin else
                   'plain-detr_r50_8xb2-12e_coco.py')
        raise ValueError(
            f'the checkpoint has a {"Swin-V2" if swin else "ResNet"} '
            f'backbone, the model of {config} '
            f'{"does not" if swin else "does"}: pass --config '
            f'configs/plain_detr/{fitting}.')
    if is_swin_v2_backbone(official):
        if model_state is None:
            raise ValueError('the Plain-DETR converter needs --config (the '
                             'model that receives the weights)')
        converted, unplaced, dropped = convert_official_swin_v2(official)
        target = {k: v for k, v in _weights_only(model_state).items()
                  if k.startswith('backbone.')}
        # the pre-training checkpoints have no detection output norm
        # (norm3): it keeps its initialisation, as the official loading
        return Conversion(converted, unplaced=unplaced, dropped=dropped,
                          target=target, optional=('backbone.norm3.', ))
    num_layers, class_rows, meta = detr_head_layout(
        official, model_state, 'class_embed.0.weight', 'Plain-DETR', config)
    converted, unplaced, dropped = convert_official_plain_detr(
        official, num_layers, class_rows)
    return Conversion(converted, unplaced=unplaced, dropped=dropped,
                      target=_weights_only(model_state), meta=meta)
