"""Small helpers shared by the tools and several methods, one per module:
atomic writing (:mod:`.atomic_write`), image file types
(:mod:`.image_files`), video frame extraction (:mod:`.video_frames`),
config -> model (:mod:`.model_build`), checkpoint reading and checking
(:mod:`.checkpoint_io`), the converters' pipeline
(:mod:`.checkpoint_convert`) and key rules (:mod:`.key_rules`), the
tools' command line (:mod:`.config_setup`), dataset path checks
(:mod:`.dataset_check`), CPU distributed launch (:mod:`.launch`) and the
benchmarks' peak memory (:mod:`.peak_memory`) and wall time
(:mod:`.timing`)."""
from .atomic_write import (atomic_path, save_checkpoint_atomic,
                           write_text_atomic)
from .checkpoint_convert import Conversion, run_converter
from .checkpoint_io import (check_state_dict, load_foreign_checkpoint,
                            load_state_dict_file, model_state_from_config,
                            write_converted)
from .config_setup import (UserInputError, add_runner_args,
                           data_root_options, load_config, parse_runner_args,
                           run_cli)
from .dataset_check import DatasetNotFoundError, check_dataset_paths
from .image_files import IMG_EXTENSIONS, is_image_file, list_images
from .key_rules import (COCO_CATEGORY_IDS, OBJECTNESS, apply_key_rules,
                        detr_head_layout)
from .launch import setup_cpu_distributed
from .model_build import (build_model_from_config, disable_pretrained,
                          load_model_config)
from .timing import (DINO_R50_CONFIG, best_seconds, detector_latency,
                     interleaved, median_seconds, one_image_batch,
                     train_batch, train_step)
from .video_frames import extract_frames

__all__ = [
    'COCO_CATEGORY_IDS', 'DINO_R50_CONFIG', 'OBJECTNESS', 'apply_key_rules',
    'best_seconds', 'Conversion', 'detector_latency', 'detr_head_layout',
    'DatasetNotFoundError', 'IMG_EXTENSIONS',
    'UserInputError', 'data_root_options', 'add_runner_args', 'atomic_path',
    'build_model_from_config', 'check_dataset_paths', 'check_state_dict',
    'disable_pretrained', 'extract_frames', 'is_image_file', 'list_images',
    'load_config', 'load_foreign_checkpoint', 'load_model_config',
    'load_state_dict_file', 'model_state_from_config', 'one_image_batch',
    'interleaved', 'median_seconds', 'parse_runner_args', 'train_batch', 'train_step',
    'run_cli', 'run_converter', 'save_checkpoint_atomic',
    'setup_cpu_distributed', 'write_converted', 'write_text_atomic'
]
