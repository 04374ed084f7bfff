"""Reading official checkpoints and writing converted ones, safely.

Converters read files of other code bases: they are loaded with
``weights_only=True`` (tensors and plain containers only); the few harmless
extra types some official trainers pickle next to the weights, such as an
``argparse.Namespace`` of the training arguments, are allowed explicitly.
Outputs are written to a temporary file and renamed, so a failure never
leaves a half-written checkpoint.
"""
import argparse
import os.path as osp
import re
import sys
from typing import Dict, List, Sequence

import torch

from .atomic_write import save_checkpoint_atomic

#: non-tensor types official checkpoints carry besides their weights
SAFE_EXTRA_GLOBALS = (argparse.Namespace, )


def _unwrap_state_dict(checkpoint, path: str,
                       wrappers: Sequence[str]) -> Dict[str, torch.Tensor]:
    """The weights of a loaded checkpoint: the dict itself or the first
    ``wrappers`` entry that is a dict; an error naming ``path`` when it is
    not a dict of tensors."""
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
    return checkpoint


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
    checkpoint = _unwrap_state_dict(checkpoint, path, wrappers)
    if strip_prefix:
        checkpoint = {
            k[len(strip_prefix):] if k.startswith(strip_prefix) else k: v
            for k, v in checkpoint.items()
        }
    return checkpoint


def check_state_dict(converted: Dict[str, torch.Tensor],
                     target: Dict[str, torch.Tensor],
                     optional: Sequence[str] = ()) -> List[str]:
    """Problems between converted weights and a model's state dict.

    BatchNorm ``num_batches_tracked`` counters missing from ``converted``
    are filled with zeros (in place); keys of ``target`` starting with one
    of ``optional`` may stay unfilled (they keep their initialisation).

    Returns:
        list[str]: one line per unfilled key, shape mismatch or key the
        model does not have; empty when the weights fit.
    """
    problems = []
    for key, value in target.items():
        if key not in converted:
            if key.endswith('num_batches_tracked'):
                converted[key] = torch.zeros_like(value)
            elif not key.startswith(tuple(optional)):
                problems.append(f'model key left unfilled: {key}')
        elif tuple(converted[key].shape) != tuple(value.shape):
            problems.append(f'shape of {key}: checkpoint gives '
                            f'{tuple(converted[key].shape)}, model has '
                            f'{tuple(value.shape)}')
    problems += [f'converted key not in the model: {k}' for k in converted
                 if k not in target]
    return problems


def write_converted(state_dict: Dict[str, torch.Tensor], meta: dict,
                    dst: str, problems: Sequence[str]) -> int:
    """Write a converter's output, or list its problems and write nothing.

    Returns:
        int: the exit status, 0 when written, 1 when there were problems.
    """
    if problems:
        print(f'error: {len(problems)} problems; nothing written:',
              file=sys.stderr)
        for line in problems:
            print(f'  {line}', file=sys.stderr)
        return 1
    save_checkpoint_atomic(dict(state_dict=state_dict, meta=meta), dst)
    return 0


class _Stub:
    """Stands in for a class of another code base found in a checkpoint
    (e.g. the official trainers' settings objects); keeps nothing."""

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        pass


def _restricted_pickle_module(stub_prefixes: Sequence[str]):
    """A pickle module whose unpickler resolves only tensor-rebuilding
    globals, plain containers and numpy arrays, and turns classes from
    ``stub_prefixes`` modules into :class:`_Stub` (never imported or
    run)."""
    import collections
    import pickle
    import types

    allowed = {
        ('collections', 'OrderedDict'): collections.OrderedDict,
        ('builtins', 'set'): set,
        ('builtins', 'frozenset'): frozenset,
    }

    class Unpickler(pickle.Unpickler):

        def find_class(self, module, name):
            if (module, name) in allowed:
                return allowed[(module, name)]
            if module.startswith(tuple(stub_prefixes)):
                return type(name, (_Stub, ), {})
            if (module == 'torch._utils' and name.startswith('_rebuild')) \
                    or (module in ('torch', 'torch.storage')
                        and (name.endswith('Storage') or name in (
                            'device', 'Size', 'dtype'))) \
                    or (module.startswith('numpy') and name in (
                        '_reconstruct', 'scalar', 'ndarray', 'dtype')) \
                    or (module == '_codecs' and name == 'encode'):
                return super().find_class(module, name)
            raise pickle.UnpicklingError(
                f'global {module}.{name} is not allowed in a checkpoint')

    return types.SimpleNamespace(
        Unpickler=Unpickler, load=lambda f, **kw: Unpickler(f, **kw).load(),
        __name__='restricted_pickle')


def _refused_global(error: Exception) -> str:
    """The global that a weights-only load refused (torch names it as
    ``GLOBAL module.name`` in its message), or ''."""
    text = f'{error} {error.__cause__ or ""}'
    match = re.search(r'GLOBAL ([\w.]+)', text)
    return match.group(1) if match else ''


def load_foreign_checkpoint(path: str, stub_prefixes: Sequence[str],
                            wrappers: Sequence[str] = ('net', 'model',
                                                       'state_dict')
                            ) -> Dict[str, torch.Tensor]:
    """Load the weights of a checkpoint written by another code base that
    pickled its own objects next to them (MixFormer's trainer saves a
    ``lib.train.admin.settings.Settings``).

    Tries a plain weights-only load first; only when that load refused a
    class of a ``stub_prefixes`` module is the file re-read with an
    unpickler that replaces those classes by inert stubs and still refuses
    every other global. Every error names the file.
    """
    try:
        return load_state_dict_file(path, wrappers)
    except ValueError as first:
        if not _refused_global(first).startswith(tuple(stub_prefixes)):
            raise
    try:
        checkpoint = torch.load(
            path, map_location='cpu', weights_only=False,
            pickle_module=_restricted_pickle_module(stub_prefixes))
    except Exception as exc:  # noqa: BLE001 - re-raised with the file name
        raise ValueError(
            f'{path}: cannot be read ({exc}); a foreign checkpoint may hold '
            f'tensors, plain containers and classes of '
            f'{", ".join(stub_prefixes)} modules only') from exc
    return _unwrap_state_dict(checkpoint, path, wrappers)


def model_state_from_config(config: str) -> Dict[str, torch.Tensor]:
    """State dict of the model a config builds (the target of a
    converter); pretrained initialisation is not run."""
    from .model_build import build_model_from_config
    return build_model_from_config(config).state_dict()
