"""Test (and evaluate) a detector (mmdetection 3.3's tools/test.py arguments).

Usage::

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out x.pkl]
        [--show] [--show-dir DIR] [--wait-time S] [--cfg-options k=v ...]
        [--launcher none|pytorch|slurm|mpi] [--tta]

The metric comes from the config's ``test_evaluator``: COCO's 12 numbers,
PIDray's easy/hard/hidden/overall AP, ExDark's AP per lighting type.
"""
import argparse
import os.path as osp
import warnings
from copy import deepcopy

from mmengine import ConfigDict
from mmengine.runner import Runner

import projects.common  # noqa: F401  registers modules, fixes torch.load
from mmdet.engine.hooks.utils import trigger_visualization_hook
from mmdet.evaluation import DumpDetResults
from mmdet.registry import RUNNERS
from mmdet.utils import setup_cache_size_limit_of_dynamo
from projects.common.utils import (UserInputError, add_runner_args,
                                   check_dataset_paths, load_config,
                                   parse_runner_args, run_cli,
                                   setup_cpu_distributed)


def parse_args():
    parser = argparse.ArgumentParser(
        description='MMDet test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out',
        type=str,
        help='dump predictions to a pickle file for offline evaluation')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='directory (inside work_dir/timestamp/) where painted images '
        'are saved')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument('--tta', action='store_true')
    add_runner_args(parser)
    return parse_runner_args(parser)


def _add_tta(cfg):
    """Default flip test-time augmentation, as mmdetection's test.py."""
    if 'tta_model' not in cfg:
        warnings.warn('Cannot find ``tta_model`` in config, '
                      'we will set it as default.')
        cfg.tta_model = dict(
            type='DetTTAModel',
            tta_cfg=dict(
                nms=dict(type='nms', iou_threshold=0.5), max_per_img=100))
    if 'tta_pipeline' not in cfg:
        warnings.warn('Cannot find ``tta_pipeline`` in config, '
                      'we will set it as default.')
        test_data_cfg = cfg.test_dataloader.dataset
        while 'dataset' in test_data_cfg:
            test_data_cfg = test_data_cfg['dataset']
        cfg.tta_pipeline = deepcopy(test_data_cfg.pipeline)
        flip_tta = dict(
            type='TestTimeAug',
            transforms=[
                [
                    dict(type='RandomFlip', prob=1.),
                    dict(type='RandomFlip', prob=0.)
                ],
                [
                    dict(
                        type='PackDetInputs',
                        meta_keys=('img_id', 'img_path', 'ori_shape',
                                   'img_shape', 'scale_factor', 'flip',
                                   'flip_direction'))
                ],
            ])
        cfg.tta_pipeline[-1] = flip_tta
    cfg.model = ConfigDict(**cfg.tta_model, module=cfg.model)
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline


def main():
    args = parse_args()
    setup_cache_size_limit_of_dynamo()
    cfg = load_config(args.config, args.cfg_options, args.launcher,
                      args.work_dir)
    if not osp.isfile(args.checkpoint) and '://' not in args.checkpoint:
        raise UserInputError(
            f'Checkpoint "{args.checkpoint}" does not exist. Fix: pass the '
            '.pth written by tools/train.py (work_dirs/<config>/*.pth) or a '
            'converted official checkpoint.')
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle')):
        raise UserInputError(f'--out {args.out}: the dump file must end in '
                             '.pkl or .pickle')
    cfg.load_from = args.checkpoint

    if args.show or args.show_dir:
        cfg = trigger_visualization_hook(cfg, args)
    if args.tta:
        _add_tta(cfg)

    check_dataset_paths(cfg, ['test_dataloader'])
    setup_cpu_distributed(cfg)

    runner = (Runner.from_cfg(cfg)
              if 'runner_type' not in cfg else RUNNERS.build(cfg))
    if args.out is not None:
        runner.test_evaluator.metrics.append(
            DumpDetResults(out_file_path=args.out))
    runner.test()


if __name__ == '__main__':
    run_cli(main)
