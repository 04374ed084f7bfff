"""OAT (ECCV 2024): object-level gaze scanpath prediction for MMDetection
3.x's tools: the model, its data, metrics and baselines."""
from ._layers import (CropEncoder, GridPositionEncoding, PointerReadout,
                      sine_sequence_encoding)
from . import datasets, evaluation  # noqa: F401  (registration)
from .baselines import ScanpathBaseline
from .data_preprocessor import ScanpathDataPreprocessor
from .hooks import ScanpathLengthHook
from .oat import OAT, load_positional_table
from .positional_table import fit_positional_table, similarity_matrix

__all__ = [
    'OAT', 'ScanpathBaseline', 'ScanpathLengthHook', 'ScanpathDataPreprocessor', 'CropEncoder', 'GridPositionEncoding',
    'PointerReadout', 'sine_sequence_encoding', 'fit_positional_table',
    'similarity_matrix', 'load_positional_table'
]
