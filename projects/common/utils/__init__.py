"""Small helpers shared by the tools and several methods."""
from .checkpoint_io import (check_state_dict, load_foreign_checkpoint,
                            load_state_dict_file, model_state_from_config,
                            save_checkpoint_atomic, write_converted)
from .config_setup import (UserInputError, add_runner_args, load_config,
                           parse_runner_args, run_cli)
from .dataset_check import DatasetNotFoundError, check_dataset_paths
from .launch import setup_cpu_distributed

__all__ = [
    'DatasetNotFoundError', 'UserInputError', 'add_runner_args',
    'check_dataset_paths', 'load_config', 'load_state_dict_file',
    'save_checkpoint_atomic', 'check_state_dict', 'write_converted',
    'load_foreign_checkpoint', 'model_state_from_config',
    'parse_runner_args', 'run_cli',
    'setup_cpu_distributed'
]
