"""Check, before a run starts, that the files a config points to exist.

mmengine only notices a missing annotation file when the dataset is built,
and reports the joined path without the config field that produced it. This
check names the field, the path and the fix.
"""
import os.path as osp
from typing import Iterator, Sequence, Tuple

DATA_README = 'data/README.md'


class DatasetNotFoundError(FileNotFoundError):
    """A dataset folder or annotation file named by a config is missing."""


def _is_remote(path: str) -> bool:
    return '://' in str(path)


def _join(root: str, path: str) -> str:
    if not root or osp.isabs(path) or _is_remote(path):
        return path
    return osp.join(root, path)


def _leaf_datasets(cfg: dict, field: str) -> Iterator[Tuple[str, dict]]:
    """Yield (config field, dataset cfg) for every dataset that reads files,
    looking through wrappers such as RepeatDataset and ConcatDataset."""
    if cfg is None:
        return
    if 'datasets' in cfg:
        for i, sub in enumerate(cfg['datasets']):
            yield from _leaf_datasets(sub, f'{field}.datasets[{i}]')
    elif 'dataset' in cfg:
        yield from _leaf_datasets(cfg['dataset'], f'{field}.dataset')
    else:
        yield field, cfg


def _missing(field: str, path: str, what: str, root_field: str) -> str:
    return (f'{what} not found: {field} -> "{path}". Fix: link the dataset '
            f'under data/ as {DATA_README} describes (for example '
            f'`ln -s /path/to/dataset {osp.dirname(path.rstrip("/")) or path}`'
            f'), or point the config at it with --cfg-options '
            f'{root_field}=/path/to/dataset/')


def check_dataset_paths(cfg, loaders: Sequence[str]) -> None:
    """Raise :class:`DatasetNotFoundError` for the first missing file.

    Args:
        cfg (Config | dict): A full mmengine config.
        loaders (Sequence[str]): Which parts to check, e.g.
            ``('train_dataloader', 'val_dataloader')``. The matching
            evaluators' ``ann_file`` are checked too.
    """
    for loader_key in loaders:
        loader = cfg.get(loader_key)
        if not loader or 'dataset' not in loader:
            continue
        for field, ds in _leaf_datasets(loader['dataset'],
                                        f'{loader_key}.dataset'):
            root = ds.get('data_root', '') or ''
            root_field = f'{field}.data_root'
            if root and not _is_remote(root) and not osp.isdir(root):
                raise DatasetNotFoundError(
                    _missing(root_field, root, 'Dataset folder', root_field))
            ann = ds.get('ann_file')
            if ann:
                path = _join(root, ann)
                if not _is_remote(path) and not osp.isfile(path):
                    raise DatasetNotFoundError(_missing(
                        f'{field}.ann_file', path, 'Annotation file',
                        root_field))
            for key, prefix in (ds.get('data_prefix') or {}).items():
                if not prefix:
                    continue
                path = _join(root, prefix)
                if not _is_remote(path) and not osp.isdir(path):
                    raise DatasetNotFoundError(_missing(
                        f'{field}.data_prefix.{key}', path, 'Image folder',
                        root_field))
        evaluator_key = loader_key.replace('_dataloader', '_evaluator')
        evaluators = cfg.get(evaluator_key) or []
        if isinstance(evaluators, dict):
            evaluators = [evaluators]
        for i, evaluator in enumerate(evaluators):
            paths = []
            if evaluator.get('ann_file'):
                paths.append((f'{evaluator_key}.ann_file',
                              evaluator['ann_file']))
            for name, path in (evaluator.get('ann_files') or {}).items():
                paths.append((f'{evaluator_key}.ann_files.{name}', path))
            for field, path in paths:
                if not _is_remote(path) and not osp.isfile(path):
                    raise DatasetNotFoundError(_missing(
                        field, path, 'Evaluation annotation file',
                        field))
