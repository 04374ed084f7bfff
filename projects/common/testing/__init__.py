"""Helpers for this project's tests (paths, running the tools, toy
options, tiny model configs)."""
from ._utils import (HELPERS, MIXFORMER_TINY, MIXFORMER_TOY_CONFIG,
                     RELATION_TOY_CONFIG, ROOT, SHARED_DATA, TOY_CONFIG,
                     fixture_state_dict, run_tool, toy_options, train_toy)

__all__ = [
    'HELPERS', 'MIXFORMER_TINY', 'MIXFORMER_TOY_CONFIG',
    'RELATION_TOY_CONFIG', 'ROOT', 'SHARED_DATA', 'TOY_CONFIG',
    'fixture_state_dict', 'run_tool', 'toy_options', 'train_toy'
]
