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
from typing import Dict, List, Tuple

from torch import Tensor

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
