"""Key rules from the detrex Focus-DETR checkpoints to :class:`FocusDETR`.

The detrex models are detectron2 modules: the ResNet's stem and stages are
``backbone.stem`` / ``backbone.res{2..5}`` (``shortcut`` for the
downsampling branch, ``.norm`` for each FrozenBN), the neck is detrex's
``ChannelMapper`` (``.norm`` for GroupNorm) and the transformer, its
selector and heads sit under ``transformer`` / ``class_embed`` /
``bbox_embed``. The classifiers have 80 outputs in detectron2's contiguous
COCO order, which is mmdet's: no rows move. Shared modules are listed again
under other names in the state dict (the decoder's heads, the encoder's
class-score heads); those aliases are dropped.
"""
import os.path as osp
import pickle
import re
import tempfile
import zipfile
from typing import Dict, List, Optional, Tuple

import torch

from projects.common.utils import load_foreign_checkpoint
from projects.common.utils.checkpoint_convert import Conversion
from projects.common.utils.key_rules import (Rule, apply_key_rules,
                                             detr_head_layout)

#: other names of shared modules (the converter drops them)
ALIASES = re.compile(r'(transformer\.decoder\.(class_embed|bbox_embed)|'
                     r'transformer\.encoder\.enhance_MCSP|'
                     r'enhance_MCSP_layerlist)\..+')
#: modules of other code bases that a detectron2 checkpoint may pickle
#: beside the weights (read as inert stubs)
STUB_MODULES = ('detectron2', 'detrex', 'fvcore', 'iopath', 'omegaconf')


def _rules(num_layers: int) -> List[Rule]:
    """(official key pattern, mmdet key, is a class-indexed tensor)."""
    bn = r'(weight|bias|running_mean|running_var)'
    return [
        (r'backbone\.stem\.conv1\.weight', lambda m: 'backbone.conv1.weight',
         False),
        (rf'backbone\.stem\.conv1\.norm\.{bn}',
         lambda m: f'backbone.bn1.{m[1]}', False),
        (r'backbone\.res(\d)\.(\d+)\.conv(\d)\.weight',
         lambda m: f'backbone.layer{int(m[1]) - 1}.{m[2]}.conv{m[3]}.weight',
         False),
        (rf'backbone\.res(\d)\.(\d+)\.conv(\d)\.norm\.{bn}',
         lambda m: f'backbone.layer{int(m[1]) - 1}.{m[2]}.bn{m[3]}.{m[4]}',
         False),
        (r'backbone\.res(\d)\.(\d+)\.shortcut\.weight',
         lambda m: f'backbone.layer{int(m[1]) - 1}.{m[2]}.downsample.0.'
         'weight', False),
        (rf'backbone\.res(\d)\.(\d+)\.shortcut\.norm\.{bn}',
         lambda m: f'backbone.layer{int(m[1]) - 1}.{m[2]}.downsample.1.'
         f'{m[3]}', False),
        (r'neck\.(convs|extra_convs)\.(\d+)\.(conv|norm)\.(\w+)',
         lambda m: f'neck.{m[1]}.{m[2]}.{"gn" if m[3] == "norm" else "conv"}'
         f'.{m[4]}', False),
        (r'transformer\.level_embeds', lambda m: 'level_embed', False),
        (r'transformer\.tgt_embed\.weight',
         lambda m: 'query_embedding.weight', False),
        (r'transformer\.enc_output\.(\w+)',
         lambda m: f'memory_trans_fc.{m[1]}', False),
        (r'transformer\.enc_output_norm\.(\w+)',
         lambda m: f'memory_trans_norm.{m[1]}', False),
        (r'transformer\.alpha', lambda m: 'fts.alpha', False),
        (r'transformer\.enc_mask_predictor\.(layer[12]\.\d\.\w+)',
         lambda m: f'fts.predictor.{m[1]}', False),
        (r'transformer\.encoder\.layers\.(\d+)\.attentions\.0\.attn\.(.+)',
         lambda m: f'encoder.layers.{m[1]}.oesm_attn.attn.{m[2]}', False),
        (r'transformer\.encoder\.layers\.(\d+)\.attentions\.1\.(.+)',
         lambda m: f'encoder.layers.{m[1]}.self_attn.{m[2]}', False),
        (r'transformer\.encoder\.layers\.(\d+)\.norm2\.(\w+)',
         lambda m: f'encoder.layers.{m[1]}.oesm_norm.{m[2]}', False),
        (r'transformer\.decoder\.layers\.(\d+)\.attentions\.0\.attn\.(.+)',
         lambda m: f'decoder.layers.{m[1]}.self_attn.attn.{m[2]}', False),
        (r'transformer\.decoder\.layers\.(\d+)\.attentions\.1\.(.+)',
         lambda m: f'decoder.layers.{m[1]}.cross_attn.{m[2]}', False),
        (r'transformer\.(encoder|decoder)\.layers\.(\d+)\.ffns\.0\.'
         r'layers\.(0\.0|1)\.(\w+)',
         lambda m: f'{m[1]}.layers.{m[2]}.ffn.layers.{m[3]}.{m[4]}', False),
        (r'transformer\.(encoder|decoder)\.layers\.(\d+)\.norms\.(\d)\.'
         r'(\w+)', lambda m: f'{m[1]}.layers.{m[2]}.norms.{m[3]}.{m[4]}',
         False),
        (r'transformer\.decoder\.ref_point_head\.layers\.(\d)\.(\w+)',
         lambda m: f'decoder.ref_point_head.layers.{m[1]}.{m[2]}', False),
        (r'transformer\.decoder\.norm\.(\w+)',
         lambda m: f'decoder.norm.{m[1]}', False),
        (r'class_embed\.(\d+)\.(\w+)',
         lambda m: f'bbox_head.cls_branches.{m[1]}.{m[2]}', True),
        (r'bbox_embed\.(\d+)\.layers\.(\d)\.(\w+)',
         lambda m: f'bbox_head.reg_branches.{m[1]}.{2 * int(m[2])}.{m[3]}',
         False),
        (r'label_enc\.weight',
         lambda m: 'dn_query_generator.label_embedding.weight', True),
    ]


def convert_official_focus_detr(
    official: Dict[str, torch.Tensor],
    num_layers: int = 6,
    class_rows: Optional[Tuple[int, ...]] = None
) -> Tuple[Dict[str, torch.Tensor], List[str], List[str]]:
    """Rename a detrex Focus-DETR state dict.

    Args:
        official (dict): The detrex state dict.
        num_layers (int): Decoder layers (unused by the names, which carry
            their indices; kept for the common converter signature).
        class_rows (tuple, optional): Rows to keep of the class-indexed
            tensors; None keeps all (80 -> 80 needs no remap).

    Returns:
        tuple: the converted state dict, the official keys no rule placed,
        and the dropped aliases.
    """
    dropped = [k for k in official if ALIASES.fullmatch(k)]
    converted, unplaced = apply_key_rules(official, _rules(num_layers),
                                          class_rows, dropped)
    return converted, unplaced, dropped


def convert_for_model(official: Dict[str, torch.Tensor],
                      model_state: Optional[Dict[str, torch.Tensor]],
                      config: Optional[str] = None) -> Conversion:
    """Convert ``official`` for the model whose state dict is
    ``model_state`` (its class count must be the checkpoint's); an
    80-class checkpoint is COCO's (detectron2's contiguous ids are mmdet's
    order) and its ``dataset_meta`` goes into the output.

    Raises:
        ValueError: without a model, or when the class counts differ.
    """
    num_layers, class_rows, meta = detr_head_layout(
        official, model_state, 'class_embed.0.weight', 'Focus-DETR', config)
    head = official.get('class_embed.0.weight')
    if not meta and head is not None and head.shape[0] == 80:
        # the released models are COCO's 80 classes, in mmdet's order
        from mmdet.datasets import CocoDataset
        meta = dict(dataset_meta=dict(CocoDataset.METAINFO))
    converted, unplaced, dropped = convert_official_focus_detr(
        official, num_layers, class_rows)
    return Conversion(converted, unplaced=unplaced, dropped=dropped,
                      meta=meta)


def _is_torch_archive(path: str) -> bool:
    with zipfile.ZipFile(path) as archive:
        return any(n.endswith('data.pkl') for n in archive.namelist())


def _read_detectron2_pickle(path: str) -> Dict[str, torch.Tensor]:
    """A detectron2 ``.pkl`` (``{'model': {name: numpy array}}``), read
    with an unpickler that allows numpy arrays and plain containers only."""
    from projects.common.utils.checkpoint_io import _restricted_pickle_module
    unpickler = _restricted_pickle_module(STUB_MODULES).Unpickler
    try:
        with open(path, 'rb') as f:
            data = unpickler(f, encoding='latin1').load()
    except (pickle.UnpicklingError, EOFError, ValueError) as exc:
        raise ValueError(f'{path}: not a detectron2 pickle ({exc})') from exc
    model = data.get('model', data) if isinstance(data, dict) else None
    if not isinstance(model, dict):
        raise ValueError(f'{path}: no "model" dict of weights inside')
    return {k: torch.as_tensor(v) for k, v in model.items()}


def read_official_checkpoint(path: str) -> Dict[str, torch.Tensor]:
    """The weights of a detrex / detectron2 Focus-DETR checkpoint.

    Accepts the released ``.zip`` (one ``.pth`` or ``.pkl`` inside, read
    from a temporary copy), a detectron2 ``.pth`` (weights under
    ``'model'``; trainer objects of detectron2 / fvcore / omegaconf are read
    as inert stubs, no other global is allowed) or a detectron2 ``.pkl``.

    Raises:
        ValueError / OSError: naming ``path`` and what is wrong.
    """
    if not osp.isfile(path):
        raise OSError(f'{path}: no such file')
    if zipfile.is_zipfile(path) and not _is_torch_archive(path):
        with zipfile.ZipFile(path) as archive:
            members = [n for n in archive.namelist()
                       if n.endswith(('.pth', '.pkl'))]
            if len(members) != 1:
                raise ValueError(
                    f'{path}: expected one .pth or .pkl inside the zip, '
                    f'found {members or archive.namelist()}; unzip it and '
                    'pass the checkpoint file')
            with tempfile.TemporaryDirectory() as tmp:
                inner = archive.extract(members[0], tmp)
                return read_official_checkpoint(inner)
    if path.endswith('.pkl'):
        return _read_detectron2_pickle(path)
    return load_foreign_checkpoint(path, STUB_MODULES, wrappers=('model', ))


__all__ = ['convert_official_focus_detr', 'convert_for_model',
           'read_official_checkpoint', 'ALIASES', 'STUB_MODULES']
