"""Small helpers shared by the tools and several methods."""
from .config_setup import UserInputError, load_config, run_cli
from .dataset_check import DatasetNotFoundError, check_dataset_paths
from .launch import setup_cpu_distributed

__all__ = [
    'DatasetNotFoundError', 'UserInputError', 'check_dataset_paths',
    'load_config', 'run_cli', 'setup_cpu_distributed'
]
