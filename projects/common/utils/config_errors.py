"""Config mistakes as one line: an unknown ``type`` or an unknown argument
of a registered class, with the config key path and the closest valid
name ("did you mean num_classes?").

mmengine reports these while building, as a ``KeyError`` ("X is not in the
mmdet::model registry ...") or a ``TypeError`` ("... got an unexpected
keyword argument 'num_clases'"), wrapped once per enclosing class. This
module reads such an error, finds where in the config the offending word
sits and what the registry or the class's signature offers instead.
:func:`projects.common.utils.run_cli` prints the result instead of the
traceback (``--debug`` or ``ATTNVISION_DEBUG=1`` keeps the traceback).
"""
import difflib
import inspect
import os.path as osp
import re
import sys
from typing import Iterator, List, Optional, Sequence, Tuple

_CONFIGS: List[Tuple[str, object]] = []  # (path, Config) of this run

_UNKNOWN_TYPE = re.compile(r"(\S+) is not in the (\S+?)::([\w ]+) registry")
_UNKNOWN_ARG = re.compile(r"unexpected keyword argument '(\w+)'")
_CLASS = re.compile(r'class `(\w+)` in|(\w+)\.__init__\(\)')


def remember_config(cfg, path: Optional[str] = None) -> None:
    """Note the config a tool runs (its key paths go into the message)."""
    _CONFIGS.append((path or getattr(cfg, 'filename', '') or 'config', cfg))


def _configs() -> List[Tuple[str, object]]:
    if _CONFIGS:
        return list(_CONFIGS)
    from mmengine.config import Config
    found = []  # a demo: the config files among its arguments
    for arg in sys.argv[1:]:
        if arg.endswith('.py') and osp.isfile(arg):
            try:
                found.append((arg, Config.fromfile(arg)))
            except Exception:  # noqa: BLE001 - not a config; skip it
                continue
    return found


def _walk(node, path: str = '') -> Iterator[Tuple[str, dict]]:
    """Every dict in a config with its key path (``model.bbox_head``,
    ``train_dataloader.dataset.pipeline[2]``)."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f'{path}.{key}' if path else str(key))
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _walk(value, f'{path}[{i}]')


def _type_name(value) -> str:
    return value if isinstance(value, str) else getattr(
        value, '__name__', str(value))


def _registries():
    import mmdet.registry as mmdet_registry
    from mmengine.registry import Registry
    return [v for v in vars(mmdet_registry).values()
            if isinstance(v, Registry)]


def _registered_names(registry) -> List[str]:
    names = set(registry.module_dict)
    if registry.parent is not None:
        names |= set(registry.parent.module_dict)
    for child in registry.children.values():
        names |= set(child.module_dict)
    return sorted(names)


def _find_class(name: str):
    for registry in _registries():
        for reg in [registry, registry.parent,
                    *registry.children.values()]:
            if reg is not None and name in reg.module_dict:
                return reg.module_dict[name]
    return None


def accepted_arguments(cls) -> Optional[List[str]]:
    """The keyword arguments ``cls(...)`` accepts: its ``__init__``'s, and
    while an ``__init__`` forwards ``**kwargs``, its parents'. ``None`` when
    the chain ends in an open ``**kwargs``."""
    names: List[str] = []
    for klass in inspect.getmro(cls):
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        names += [p.name for p in params if p.name != 'self' and p.kind in (
            p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            return sorted(set(names))
    return None


def _closest(word: str, options: Sequence[str]) -> str:
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ''


def _where(paths: List[str], suffix: str) -> str:
    return ', '.join(f'{p}.{suffix}' if p else suffix for p in paths[:3])


def explain_config_error(error: BaseException) -> Optional[str]:
    """One line for an unknown type or argument from a config build, or
    ``None`` when ``error`` is something else."""
    text = str(error.args[0]) if error.args else str(error)
    unknown = _UNKNOWN_TYPE.search(text)
    if isinstance(error, KeyError) and unknown:
        word, scope, name = unknown.groups()
        registry = next((r for r in _registries() if r.name == name), None)
        options = _registered_names(registry) if registry else []
        for path, cfg in _configs():
            hits = [p for p, d in _walk(cfg._cfg_dict.to_dict())
                    if _type_name(d.get('type')) == word]
            if hits:
                return (f"{path}: {_where(hits, 'type')}: unknown type "
                        f"'{word}' (not in the {scope} {name} registry)"
                        f'{_closest(word, options)}')
        return (f"unknown type '{word}' (not in the {scope} {name} "
                f'registry){_closest(word, options)}')
    arg = _UNKNOWN_ARG.search(text)
    if isinstance(error, TypeError) and arg:
        word = arg.group(1)
        named = [a or b for a, b in _CLASS.findall(text)]
        owner = _find_class(named[-1]) if named else None
        for path, cfg in _configs():
            hits = []
            for key_path, node in _walk(cfg._cfg_dict.to_dict()):
                if word not in node or 'type' not in node:
                    continue
                cls = node['type'] if inspect.isclass(node['type']) else \
                    _find_class(_type_name(node['type']))
                if owner is None or cls is None or issubclass(cls, owner):
                    hits.append((key_path, cls, _type_name(node['type'])))
            if hits:
                key_path, cls, name = hits[0]
                valid = accepted_arguments(cls) if cls is not None else None
                return (f"{path}: {_where([h[0] for h in hits], word)}: "
                        f"unknown argument '{word}' of {name}"
                        f'{_closest(word, valid or [])}')
        if owner is not None:
            return (f"unknown argument '{word}' of {owner.__name__}"
                    f'{_closest(word, accepted_arguments(owner) or [])}')
    return None
