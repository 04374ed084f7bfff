"""Load mmengine checkpoints safely under torch>=2.6.

torch 2.6 made ``torch.load(..., weights_only=True)`` the default. mmengine
0.10.7 calls ``torch.load`` without the argument, so resuming fails with
``Weights only load failed ... HistoryBuffer`` because a resumable checkpoint
also stores the message hub (``HistoryBuffer`` objects holding numpy arrays).

The fix, applied once when :mod:`projects.common` is imported:

* the exact types an mmengine checkpoint needs are added to torch's
  weights-only allow-list (:data:`MMENGINE_CHECKPOINT_GLOBALS`);
* mmengine's local-file loader is replaced by one that keeps
  ``weights_only=True`` and turns a refusal into a message that names the
  file, the offending type and what to do.

A checkpoint holding any other pickled object is still refused.
"""
import os.path as osp
import pickle
import re
from typing import List, Optional

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader


def _numpy_globals() -> List[object]:
    """The numpy callables and classes that pickled arrays/scalars refer to."""
    try:  # numpy>=2 moved the module; numpy 1.x keeps numpy.core
        from numpy._core import multiarray
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core import multiarray
    found = [np.ndarray, np.dtype]
    # numpy 2 renamed numpy.core to numpy._core: a checkpoint names these
    # functions after the numpy that wrote it, so accept both names.
    for name in ('_reconstruct', 'scalar'):
        for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
            found.append((getattr(multiarray, name), f'{module}.{name}'))
    # Each concrete dtype has its own class (numpy.dtypes.Float64DType, ...).
    found.extend(type(np.dtype(code)) for code in np.typecodes['All']
                 if code not in 'MmOV')
    found.extend(type(np.dtype(code)) for code in ('M8[s]', 'm8[s]'))
    return found


_BUILTIN_STATISTICS = ('min', 'max', 'current', 'mean')


def history_buffer_getattr(owner: object, name: str) -> object:
    """The only ``getattr`` a checkpoint may call while unpickling.

    A pickled :class:`HistoryBuffer` refers to its statistics methods as
    ``getattr(HistoryBuffer, 'mean')``. Allowing the builtin ``getattr``
    would let a file reach any attribute of any allowed object (for example
    ``numpy.ndarray.tofile``), so this stand-in is registered under the name
    ``builtins.getattr`` and resolves only those methods.
    """
    # The class fills its registry on first use, so a fresh process only
    # knows the built-in statistics.
    allowed = set(_BUILTIN_STATISTICS) | set(HistoryBuffer._statistics_methods)
    if owner is HistoryBuffer and name in allowed:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'GLOBAL builtins.getattr on ({owner!r}, {name!r}) is not allowed: '
        'only the statistics methods of mmengine HistoryBuffer are.')


#: Everything besides tensors and builtin containers that mmengine 0.10.7
#: writes into a checkpoint (``meta``, ``message_hub``, optimizer and
#: scheduler states).
MMENGINE_CHECKPOINT_GLOBALS = [
    HistoryBuffer, (history_buffer_getattr, 'builtins.getattr'),
    *_numpy_globals()
]

_installed = False


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds a pickled object that is not on the allow-list."""


def _refusal_message(filename: str, error: Exception) -> str:
    text = str(error)
    detail = re.search(r'WeightsUnpickler error:\s*(.+?)(\n\n|$)', text,
                       re.DOTALL)
    detail = detail.group(1).strip() if detail else text.strip()
    match = re.search(r'GLOBAL ([\w.]+)', text)
    culprit = match.group(1) if match else 'an object outside the allow-list'
    return (
        f'Refusing to load checkpoint "{filename}": it contains {culprit}, '
        'which is not a tensor, a builtin container or one of the types '
        'mmengine checkpoints need (projects.common.engine.checkpoint_compat.'
        'MMENGINE_CHECKPOINT_GLOBALS). Unpickling it could run arbitrary '
        'code. Fix: if you trust where the file comes from, re-save only its '
        'weights (torch.save({"state_dict": ckpt["state_dict"]}, path) in a '
        'trusted session), or add the type with '
        'torch.serialization.add_safe_globals([...]) before loading. '
        f'torch said: {detail}')


def safe_torch_load(filename: str, map_location: Optional[object] = None):
    """``torch.load`` with ``weights_only=True`` and a clear refusal message.

    Args:
        filename (str): Path of a local checkpoint.
        map_location: Passed to :func:`torch.load`.

    Returns:
        dict: The loaded checkpoint.

    Raises:
        FileNotFoundError: When the file does not exist.
        UnsafeCheckpointError: When the file holds a disallowed object.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(
            f'Checkpoint "{filename}" does not exist. Fix: check the path '
            'given to --resume / load_from / the test checkpoint argument.')
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    except pickle.UnpicklingError as error:
        raise UnsafeCheckpointError(_refusal_message(filename, error)) from None


def install() -> None:
    """Allow-list mmengine's checkpoint types and replace the local loader.

    Safe to call more than once.
    """
    global _installed
    if _installed:
        return
    torch.serialization.add_safe_globals(MMENGINE_CHECKPOINT_GLOBALS)
    CheckpointLoader.register_scheme(
        prefixes='', loader=safe_torch_load, force=True)
    _installed = True
