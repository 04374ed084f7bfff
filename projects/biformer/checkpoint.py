"""Key mapping from the official BiFormer checkpoints to :class:`BiFormer`.

Official ImageNet checkpoints (rayleizhu/BiFormer) keep the weights under
``'model'``; detection checkpoints of the official mmdet-2 code keep them
under ``'state_dict'`` with a ``backbone.`` prefix. Three names differ here:
the BRA projection is one ``nn.Linear`` (official ``attn.qkv.qkv``), the MLP
has no placeholder ``Identity`` (official ``mlp.3`` is ``mlp.2``), and the
classifier's ``head`` and final BatchNorm ``norm`` are not part of the
backbone.
"""
import re
from typing import Dict, List, Optional, Tuple

from torch import Tensor

from projects.common.utils.checkpoint_convert import Conversion

_RENAMES = (
    (re.compile(r'^(stages\.\d+\.\d+\.attn)\.qkv\.qkv\.'), r'\1.qkv.'),
    (re.compile(r'^(stages\.\d+\.\d+\.mlp)\.3\.'), r'\1.2.'),
)
#: classifier-only keys of the ImageNet checkpoints
CLASSIFIER_PREFIXES = ('head.', 'norm.', 'pre_logits.')


def is_official_biformer(state_dict: Dict[str, Tensor]) -> bool:
    """Whether the backbone keys follow the official naming."""
    return any(k.endswith('attn.qkv.qkv.weight') or '.mlp.3.' in k
               or k.startswith(CLASSIFIER_PREFIXES) for k in state_dict)


def convert_official_biformer(
        state_dict: Dict[str, Tensor]
) -> Tuple[Dict[str, Tensor], List[str]]:
    """Rename official backbone keys to this implementation's.

    Args:
        state_dict (dict): Official backbone weights without prefix.

    Returns:
        tuple: the renamed state dict and the list of dropped classifier
        keys (``head.*``, ``norm.*``).
    """
    out, dropped = {}, []
    for key, value in state_dict.items():
        if key.startswith(CLASSIFIER_PREFIXES):
            dropped.append(key)
            continue
        for pattern, repl in _RENAMES:
            key = pattern.sub(repl, key)
        out[key] = value
    return out, dropped


def infer_arch(state: Dict[str, Tensor]) -> str:
    """Name of the :attr:`BiFormer.arch_zoo` entry that the (converted,
    unprefixed) backbone keys describe: depths from the block indices,
    widths from the downsampling convolutions."""
    from .biformer import BiFormer
    depths = [0, 0, 0, 0]
    for key in state:
        m = re.match(r'stages\.(\d)\.(\d+)\.', key)
        if m:
            depths[int(m[1])] = max(depths[int(m[1])], int(m[2]) + 1)
    try:
        dims = [state[f'downsample_layers.{i}.{3 if i == 0 else 0}.weight']
                .shape[0] for i in range(4)]
    except KeyError as exc:
        raise ValueError(f'not a BiFormer backbone: {exc} missing') from None
    for name, arch in BiFormer.arch_zoo.items():
        if arch['depths'] == depths and arch['embed_dims'] == dims:
            return name
    raise ValueError(f'no BiFormer variant has depths {depths} and widths '
                     f'{dims}')


def convert_classifier(state: Dict[str, Tensor]) -> Conversion:
    """An official ImageNet checkpoint -> backbone weights of the variant
    the keys describe, checked against that :class:`BiFormer`."""
    from .biformer import BiFormer
    backbone, dropped = convert_official_biformer(state)
    target = BiFormer(infer_arch(backbone)).state_dict()
    # extra_norms are new in the detection backbone (official: initialised)
    return Conversion(backbone, dropped=dropped, target=target,
                      optional=('extra_norms.', ))


def convert_detector(state: Dict[str, Tensor],
                     target: Dict[str, Tensor]) -> Conversion:
    """An official mmdet-2 detector (``backbone.*`` keys) -> the detector
    whose state dict is ``target``: backbone renamed, neck / head kept."""
    backbone = {k[len('backbone.'):]: v for k, v in state.items()
                if k.startswith('backbone.')}
    backbone, dropped = convert_official_biformer(backbone)
    out = {f'backbone.{k}': v for k, v in backbone.items()}
    out.update((k, v) for k, v in state.items()
               if not k.startswith('backbone.'))
    # the official wrapper normalises all four stages; a config returning
    # fewer stages has no use for the other norms
    for key in [k for k in out if k.startswith('backbone.extra_norms.')]:
        if key not in target:
            dropped.append(key)
            del out[key]
    return Conversion(out, dropped=dropped)


def convert_for_model(state: Dict[str, Tensor],
                      target: Optional[Dict[str, Tensor]],
                      config: Optional[str] = None) -> Conversion:
    """Classifier or detector checkpoint, told apart by its keys; a
    detector needs the config of the matching detector."""
    if any(k.startswith('backbone.') for k in state):
        if target is None:
            raise ValueError(
                'a detector checkpoint (backbone.* keys): pass --config '
                'with the matching config of configs/biformer/')
        return convert_detector(state, target)
    return convert_classifier(state)
