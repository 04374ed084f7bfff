"""The interface every attention picture goes through.

An *attention probe* knows one kind of attention (deformable sampling,
BoxRPB, position relation, foreground selection, bi-level routing, mixed
attention): it says whether a model has it (:meth:`AttentionProbe.applies`),
hooks the modules that compute it (:meth:`AttentionProbe.hooks`, forward
hooks only: no forward path is changed), rebuilds the maps from what the
hooks caught exactly as the module computes them, and draws them
(:meth:`AttentionProbe.draw`). ``tools/analysis_tools/vis_attention.py``
runs every registered probe that applies to the model of a config.

A new model joins by adding one probe class registered in
:data:`ATTENTION_PROBES` (one small file in this package, imported by its
``__init__``); nothing else changes.
"""
from typing import Callable, Dict, List, Optional

from mmengine.registry import Registry
from torch import nn

#: every probe class, by class name
ATTENTION_PROBES = Registry('attention probe')


class AttentionProbe:
    """Base class: hooks, their records, and the pictures drawn from them.

    Subclasses set :attr:`input_kind`, implement :meth:`applies`,
    :meth:`hooks` (register hooks with :meth:`keep_output` /
    :meth:`keep_inputs`) and :meth:`draw`, and expose the maps they draw as
    public methods so that tests can check their numbers.

    Use as a context manager around one inference::

        with probe:            # hooks attached
            model.test_step(batch)
        files = probe.draw(scene, out_dir)

    Args:
        model (nn.Module): The model, built and loaded.
    """

    #: ``'image'`` (a detector on one image) or ``'video'`` (a tracker)
    input_kind = 'image'

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.records: Dict[str, object] = {}
        self._handles: List = []

    @classmethod
    def applies(cls, model: nn.Module) -> bool:
        """Whether ``model`` has the attention this probe draws."""
        raise NotImplementedError

    def hooks(self) -> None:
        """Register this probe's hooks (called on entering the context)."""
        raise NotImplementedError

    def draw(self, scene, out_dir: str) -> List[str]:
        """Write the pictures of the last inference; returns their paths.

        Args:
            scene: :class:`~.scene.ImageScene` or :class:`~.scene.VideoScene`.
            out_dir (str): Existing output folder.
        """
        raise NotImplementedError

    # ------------------------------------------------------------ hooks
    def keep_output(self, module: nn.Module, key: str,
                    every_call: bool = False,
                    transform: Optional[Callable] = None) -> None:
        """Record ``module``'s output under ``key`` (the last call, or a
        list of every call), detached, optionally through ``transform``."""

        def hook(_module, _args, output):
            value = output if transform is None else transform(output)
            value = _detach(value)
            if every_call:
                self.records.setdefault(key, []).append(value)
            else:
                self.records[key] = value

        self._handles.append(module.register_forward_hook(hook))

    def keep_inputs(self, module: nn.Module, key: str) -> None:
        """Record ``module``'s positional and keyword inputs of its last
        call under ``key`` as ``(args, kwargs)``, detached."""

        def hook(_module, args, kwargs):
            self.records[key] = (_detach(args), _detach(kwargs))

        self._handles.append(
            module.register_forward_pre_hook(hook, with_kwargs=True))

    def __enter__(self) -> 'AttentionProbe':
        self.records = {}
        self.hooks()
        return self

    def __exit__(self, *exc) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def record(self, key: str):
        """A record, with a clear error when the hooked module never ran."""
        if key not in self.records:
            raise RuntimeError(
                f'{type(self).__name__}: nothing recorded for {key!r}; run '
                f'the model inside the probe context first')
        return self.records[key]


def _detach(value):
    if hasattr(value, 'detach'):
        return value.detach()
    if isinstance(value, (list, tuple)):
        return type(value)(_detach(v) for v in value)
    if isinstance(value, dict):
        return {k: _detach(v) for k, v in value.items()}
    return value


def probes_for(model: nn.Module) -> List[AttentionProbe]:
    """One instance of every registered probe that applies to ``model``,
    in registration order."""
    return [cls(model) for cls in ATTENTION_PROBES.module_dict.values()
            if cls.applies(model)]
