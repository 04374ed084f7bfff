"""Parts shared by several attnvision methods: datasets, transforms, metrics,
hooks, the checkpoint-loading fix and small utilities.

Importing this package registers everything in mmdet's registries and makes
mmengine's checkpoint loading work under torch>=2.6 (see
:mod:`projects.common.engine.checkpoint_compat`).
"""
from . import datasets, engine, evaluation, models  # noqa: F401  (registration)

__all__ = ['datasets', 'engine', 'evaluation', 'models']
