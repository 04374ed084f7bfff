"""What tools/train.py and tools/test.py share: arguments, config set-up
and the handling of errors a user can fix."""
import argparse
import os
import os.path as osp
import sys
from typing import Callable, Optional

from mmengine.config import Config, DictAction


class UserInputError(ValueError):
    """Bad input a user can fix (a path, a field, an argument)."""


def data_root_options(data_root: str) -> dict:
    """``--cfg-options`` (as a dict) that point a detection config's three
    loaders and the val / test evaluators at ``data_root`` laid out as the
    toy data (``annotations/{val,test}.json``, COCO format)."""
    root = data_root.rstrip('/') + '/'
    return {
        'train_dataloader.dataset.data_root': root,
        'val_dataloader.dataset.data_root': root,
        'test_dataloader.dataset.data_root': root,
        'val_evaluator.ann_file': root + 'annotations/val.json',
        'test_evaluator.ann_file': root + 'annotations/test.json',
    }


def add_runner_args(parser: argparse.ArgumentParser) -> None:
    """The arguments mmdetection's train.py and test.py both take:
    ``--work-dir``, ``--cfg-options``, ``--launcher`` and ``--local-rank``."""
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, xxx=yyy; lists as key="[a,b]" or '
        'key=a,b; nested lists/tuples as key="[(a,b),(c,d)]"; no spaces')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch>=2.0's launcher passes --local-rank
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_runner_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse, and export ``LOCAL_RANK`` as torch's launcher would."""
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def load_config(path: str, cfg_options: Optional[dict], launcher: str,
                work_dir: Optional[str]) -> Config:
    """Read a config, apply ``--cfg-options``, the launcher and the work dir
    (CLI > ``work_dir`` in the file > ``./work_dirs/<config name>``), as
    mmdetection's tools do."""
    if not osp.isfile(path):
        raise UserInputError(
            f'Config "{path}" does not exist. Fix: pass a file under '
            'configs/, e.g. configs/toy/dino-4scale_r18_1xb8-500i_toy.py')
    from .config_errors import remember_config
    cfg = Config.fromfile(path)
    remember_config(cfg, path)
    cfg.launcher = launcher
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(path))[0])
    return cfg


#: set to 1 (or pass --debug to a tool) to keep the traceback of the errors
#: that run_cli otherwise prints as one line
DEBUG_ENV = 'ATTNVISION_DEBUG'


def run_cli(main: Callable[[], None]) -> None:
    """Run a tool's ``main`` and turn errors a user can fix into one clear
    line on stderr and exit code 1: bad paths and inputs, and config
    mistakes (an unknown ``type`` or argument, see
    :mod:`projects.common.utils.config_errors`). Other errors keep their
    traceback; so do these with ``--debug`` or ``ATTNVISION_DEBUG=1``."""
    from ..apis.frame_source import FrameSourceError
    from ..datasets.transforms.loading import CorruptImageError
    from ..engine.checkpoint_compat import UnsafeCheckpointError
    from ..engine.hooks import NonFiniteLossError
    from .config_errors import explain_config_error
    from .dataset_check import DatasetNotFoundError
    debug = os.environ.get(DEBUG_ENV, '') not in ('', '0')
    if '--debug' in sys.argv:
        sys.argv.remove('--debug')
        debug = True
    try:
        main()
    except (UserInputError, DatasetNotFoundError, CorruptImageError,
            UnsafeCheckpointError, FrameSourceError,
            NonFiniteLossError) as error:
        if debug:
            raise
        print(f'error: {error}', file=sys.stderr)
        sys.exit(1)
    except (KeyError, TypeError) as error:
        message = None if debug else explain_config_error(error)
        if message is None:
            raise
        print(f'error: {message} (--debug or {DEBUG_ENV}=1 shows the '
              f'traceback)', file=sys.stderr)
        sys.exit(1)
