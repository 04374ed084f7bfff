"""Score OAT's baselines (random, center, similarity) and, optionally, a
trained OAT on a scanpath config's test split: one table.

Usage::

    python tools/analysis_tools/eval_scanpath_baselines.py CONFIG \
        [--checkpoint OAT.pth] [--samples K] [--split test|val] \
        [--no-multimatch] [--seed 0] [--out table.json]

The baselines (``projects/oat/baselines.py``) predict the median human
scanpath length of the config's training split; ``random`` uses ``--seed``.
OAT is scored greedy, and with ``--samples K`` also by K sampled paths per
trial (OAT's stochastic protocol uses 100).
Every row goes through the config's data pipeline and ``ScanpathMetric``,
as ``tools/test.py`` would.
"""
import argparse
import json
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.evaluator import Evaluator
from mmengine.runner import Runner, load_checkpoint

from projects.common.utils import build_model_from_config, load_model_config
from projects.common.utils.atomic_write import write_text_atomic

COLUMNS = ('ss', 'ed', 'mm_mean', 'delta', 'correct', 'length')


def training_median_length(cfg) -> int:
    from mmdet.registry import DATASETS
    ds_cfg = dict(cfg.train_dataloader.dataset)
    ds_cfg['pipeline'] = []
    ds = DATASETS.build(ds_cfg)
    lengths = [len(ds.get_data_info(i)['scanpath']) for i in range(len(ds))]
    return max(1, int(round(float(np.median(lengths)))))


def score(model, loader, metric_cfg) -> Dict[str, float]:
    evaluator = Evaluator(metric_cfg)
    model.eval()
    with torch.no_grad():
        for data in loader:
            data = model.data_preprocessor(data, False)
            out = model(**data, mode='predict')
            evaluator.process(out, data)
    res = evaluator.evaluate(len(loader.dataset))
    return {k.split('/')[-1]: v for k, v in res.items()}


def parse_args(argv: Optional[List[str]] = None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--checkpoint', help='a trained OAT of the config')
    parser.add_argument('--samples', type=int, default=0,
                        help='also score OAT by this many sampled paths')
    parser.add_argument('--split', default='test', choices=('test', 'val'))
    parser.add_argument('--no-multimatch', action='store_true')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', help='write the table as json')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    cfg = load_model_config(args.config)
    loader_cfg = cfg.get(f'{args.split}_dataloader')
    loader = Runner.build_dataloader(loader_cfg, seed=args.seed)
    metric_cfg = dict(type='ScanpathMetric',
                      multimatch=not args.no_multimatch)
    length = training_median_length(cfg)
    rows = {}
    for kind in ('random', 'center', 'similarity'):
        from mmdet.registry import MODELS
        model = MODELS.build(dict(
            type='ScanpathBaseline', kind=kind, length=length,
            seed=args.seed, data_preprocessor=cfg.model.data_preprocessor))
        rows[kind] = score(model, loader, metric_cfg)
    if args.checkpoint:
        model = build_model_from_config(cfg)
        load_checkpoint(model, args.checkpoint, map_location='cpu')
        rows['OAT (greedy)'] = score(model, loader, metric_cfg)
        if args.samples:
            torch.manual_seed(args.seed)
            model.test_cfg = dict(mode='sample', num_samples=args.samples)
            rows[f'OAT ({args.samples} samples)'] = score(model, loader,
                                                          metric_cfg)
    print(f'{args.split} split of {args.config} (baselines predict '
          f'{length} fixations, the training median):')
    print('| predictor | ' + ' | '.join(COLUMNS) + ' |')
    print('|---' * (len(COLUMNS) + 1) + '|')
    for name, res in rows.items():
        print(f'| {name} | ' + ' | '.join(
            f'{res.get(c, float("nan")):.3f}' for c in COLUMNS) + ' |')
    if args.out:
        write_text_atomic(args.out, json.dumps(rows, indent=1))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
