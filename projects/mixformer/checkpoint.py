"""Official MixFormer checkpoints -> :class:`MixFormer` weights.

The official trackers save ``{'net': state_dict, ...}``; this
implementation keeps the official module names (``backbone.stage{i}...``,
``box_head.conv{k}_{tl,br}...``, ``score_branch...``), so conversion only
drops what is never used: the CvT's final norm and ImageNet classifier
(``backbone.norm.*``, ``backbone.head.*``) and class tokens.
"""
import re
from typing import Dict, List, Optional, Tuple

from torch import Tensor

from projects.common.utils.checkpoint_convert import Conversion
from projects.common.utils.checkpoint_io import load_foreign_checkpoint

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


def read_official_mixformer(path: str) -> Dict[str, Tensor]:
    """The ``'net'`` weights of an official checkpoint; the trainers'
    pickled ``lib.*`` settings objects become inert stubs (never imported),
    any other non-tensor global is refused."""
    return load_foreign_checkpoint(path, stub_prefixes=('lib.', ))


def convert_for_model(state: Dict[str, Tensor],
                      target: Optional[Dict[str, Tensor]] = None,
                      config: Optional[str] = None) -> Conversion:
    """The converter rules for :func:`run_converter` (names are kept, so
    the model only decides what is checked)."""
    converted, dropped = convert_official_mixformer(state)
    return Conversion(converted, dropped=dropped)
