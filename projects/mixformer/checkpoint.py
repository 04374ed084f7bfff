"""Official MixFormer checkpoints -> :class:`MixFormer` weights.

The official trackers save ``{'net': state_dict, ...}``; this
implementation keeps the official module names (``backbone.stage{i}...``,
``box_head.conv{k}_{tl,br}...``, ``score_branch...``), so conversion only
drops what is never used: the CvT's final norm and ImageNet classifier
(``backbone.norm.*``, ``backbone.head.*``) and class tokens.
"""
import re
from typing import Dict, List, Tuple

from torch import Tensor

UNUSED = re.compile(r'^backbone\.(norm|head)\.|^backbone\.stage\d\.cls_token$')


def convert_official_mixformer(
        state_dict: Dict[str, Tensor]) -> Tuple[Dict[str, Tensor], List[str]]:
    """Returns the converted state dict and the dropped keys."""
    out, dropped = {}, []
    for key, value in state_dict.items():
        if key.startswith('module.'):
            key = key[len('module.'):]
        if UNUSED.match(key):
            dropped.append(key)
        else:
            out[key] = value
    return out, dropped
