"""Helpers for this project's tests (paths, running the tools, toy
options, tiny model configs, toy detectors and data samples)."""
from ._utils import (HELPERS, MIXFORMER_TINY, MIXFORMER_TOY_CONFIG,
                     RELATION_TOY_CONFIG, ROOT, SHARED_DATA, TOY_CONFIG,
                     fixture_state_dict, run_tool, run_tool_in_process,
                     tool_main, tool_module, toy_options,
                     train_and_test_toy, train_toy)
from .detectors import det_samples, save_random_toy_detector, toy_detector

__all__ = [
    'HELPERS', 'MIXFORMER_TINY', 'MIXFORMER_TOY_CONFIG',
    'RELATION_TOY_CONFIG', 'ROOT', 'SHARED_DATA', 'TOY_CONFIG',
    'fixture_state_dict', 'run_tool', 'run_tool_in_process', 'tool_main',
    'tool_module',
    'toy_options',
    'train_and_test_toy', 'train_toy',
    'det_samples', 'save_random_toy_detector', 'toy_detector'
]
