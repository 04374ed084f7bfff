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
    cfg = Config.fromfile(path)
    cfg.launcher = launcher
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(path))[0])
    return cfg


def run_cli(main: Callable[[], None]) -> None:
    """Run a tool's ``main`` and turn errors a user can fix into one clear
    line on stderr and exit code 1 (other errors keep their traceback)."""
    from ..apis.frame_source import FrameSourceError
    from ..datasets.transforms.loading import CorruptImageError
    from ..engine.checkpoint_compat import UnsafeCheckpointError
    from .dataset_check import DatasetNotFoundError
    try:
        main()
    except (UserInputError, DatasetNotFoundError, CorruptImageError,
            UnsafeCheckpointError, FrameSourceError) as error:
        print(f'error: {error}', file=sys.stderr)
        sys.exit(1)
