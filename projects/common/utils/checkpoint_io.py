"""Reading official checkpoints and writing converted ones, safely.

Converters read files of other code bases: they are loaded with
``weights_only=True`` (tensors and plain containers only); the few harmless
extra types some official trainers pickle next to the weights, such as an
``argparse.Namespace`` of the training arguments, are allowed explicitly.
Outputs are written to a temporary file and renamed, so a failure never
leaves a half-written checkpoint.
"""
import argparse
import os
import os.path as osp
from typing import Any, Dict, Sequence

import torch

#: non-tensor types official checkpoints carry besides their weights
SAFE_EXTRA_GLOBALS = (argparse.Namespace, )


def load_state_dict_file(path: str,
                         wrappers: Sequence[str] = ('model', 'state_dict'),
                         strip_prefix: str = 'module.'
                         ) -> Dict[str, torch.Tensor]:
    """Load the weights of a checkpoint file.

    Args:
        path (str): Checkpoint file.
        wrappers (Sequence[str]): Keys that may hold the state dict, tried
            in order; a bare state dict is accepted too.
        strip_prefix (str): Prefix removed from every key that has it
            (``DataParallel``'s ``module.``).

    Returns:
        dict: key -> tensor.

    Raises:
        FileNotFoundError, ValueError: naming the file and what is wrong.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such checkpoint file')
    try:
        with torch.serialization.safe_globals(list(SAFE_EXTRA_GLOBALS)):
            checkpoint = torch.load(path, map_location='cpu',
                                    weights_only=True)
    except Exception as exc:  # noqa: BLE001 - re-raised with the file name
        raise ValueError(f'{path}: cannot be read as a weights-only '
                         f'checkpoint ({exc})') from exc
    if not isinstance(checkpoint, dict):
        raise ValueError(f'{path}: expected a dict, got '
                         f'{type(checkpoint).__name__}')
    for key in wrappers:
        if isinstance(checkpoint.get(key), dict):
            checkpoint = checkpoint[key]
            break
    bad = [k for k, v in checkpoint.items() if not isinstance(v, torch.Tensor)]
    if bad:
        raise ValueError(f'{path}: not a state dict; entries {bad[:5]} are '
                         f'not tensors (expected the weights bare or under '
                         f'one of {list(wrappers)})')
    if strip_prefix:
        checkpoint = {
            k[len(strip_prefix):] if k.startswith(strip_prefix) else k: v
            for k, v in checkpoint.items()
        }
    return checkpoint


def save_checkpoint_atomic(obj: Any, path: str) -> None:
    """``torch.save`` to ``path`` through a temporary file and a rename."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = path + '.tmp'
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
