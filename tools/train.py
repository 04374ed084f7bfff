"""Train a detector (mmdetection 3.3's tools/train.py arguments).

Usage::

    python tools/train.py CONFIG [--work-dir DIR] [--resume [auto|CKPT]]
        [--amp] [--auto-scale-lr] [--cfg-options k=v ...]
        [--launcher none|pytorch|slurm|mpi]

Multi-process: ``bash tools/dist_train.sh CONFIG NUM_PROCS`` (torchrun; on a
machine without GPUs the processes use the gloo backend).
"""
import argparse
import os

from mmengine.registry import RUNNERS
from mmengine.runner import Runner

import projects.common  # noqa: F401  registers modules, fixes torch.load
from mmdet.utils import setup_cache_size_limit_of_dynamo
from projects.common.utils import (UserInputError, add_runner_args,
                                   check_dataset_paths, load_config,
                                   parse_runner_args, run_cli,
                                   setup_cpu_distributed)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a detector')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the lr linearly from auto_scale_lr.base_batch_size to '
        'the actual total batch size (processes x batch_size)')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or, without a value, from the '
        'latest checkpoint in the work directory')
    add_runner_args(parser)
    return parse_runner_args(parser)


def main():
    args = parse_args()
    setup_cache_size_limit_of_dynamo()
    cfg = load_config(args.config, args.cfg_options, args.launcher,
                      args.work_dir)

    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'

    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise UserInputError(
                f'{args.config}: --auto-scale-lr needs '
                '`auto_scale_lr = dict(base_batch_size=N)` in the config, N '
                'being the total batch the lr was tuned for.')
        cfg.auto_scale_lr.enable = True

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        if not os.path.isfile(args.resume):
            raise UserInputError(f'--resume {args.resume}: no such file.')
        cfg.resume = True
        cfg.load_from = args.resume

    loaders = ['train_dataloader']
    if cfg.get('val_cfg') and cfg.get('val_dataloader'):
        loaders.append('val_dataloader')
    check_dataset_paths(cfg, loaders)
    setup_cpu_distributed(cfg)

    runner = (Runner.from_cfg(cfg)
              if 'runner_type' not in cfg else RUNNERS.build(cfg))
    runner.train()


if __name__ == '__main__':
    run_cli(main)
