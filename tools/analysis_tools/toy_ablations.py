"""Run a folder of ablation configs on the toy data, several seeds each.

Each ablation config is a small diff over a full-size base (e.g.
``configs/relation_detr/ablations/*.py`` over
``relation-detr_r50_8xb2-12e_coco.py``). This tool reads the diff of each
one's ``model`` against the base's, applies it to the CPU toy config of the
same method, trains that with tools/train.py for the same budget and seeds,
tests it with tools/test.py on the toy test split, and prints one table
(bbox mAP per seed, mean). The base itself is the first row. Example::

    python tools/analysis_tools/toy_ablations.py \\
        configs/relation_detr/ablations \\
        --base configs/relation_detr/relation-detr_r50_8xb2-12e_coco.py \\
        --toy configs/relation_detr/relation-detr_r18_1xb4-1000i_toy.py \\
        --data data/toy --iters 200 --seeds 0 1 --out ablations.json
"""
import argparse
import glob
import json
import os
import os.path as osp
import re
import subprocess
import sys
from typing import Dict, List

from mmengine.config import Config

from projects.common.utils import (UserInputError, data_root_options,
                                   run_cli)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def flatten(cfg: dict, prefix: str = '') -> Dict[str, object]:
    """Dotted keys of the leaves of a nested dict (lists are leaves)."""
    flat = {}
    for key, value in cfg.items():
        name = f'{prefix}{key}'
        if isinstance(value, dict):
            flat.update(flatten(value, name + '.'))
        else:
            flat[name] = value
    return flat


def model_diff(base: dict, ablation: dict, name: str = 'ablation') -> dict:
    """The dotted ``model`` keys whose value ``ablation`` changes or adds.

    Raises:
        UserInputError: when the ablation removes a key (that cannot be
            replayed as ``--cfg-options`` on another config).
    """
    base_flat, ablation_flat = flatten(base), flatten(ablation)
    removed = sorted(set(base_flat) - set(ablation_flat))
    if removed:
        raise UserInputError(
            f'{name}: removes model.{removed[0]} (and {len(removed) - 1} '
            'more) from the base; a toy replay can only change or add keys. '
            'Fix: set the key to a value instead of deleting it.')
    return {k: v for k, v in ablation_flat.items()
            if k not in base_flat or base_flat[k] != v}


def _option(key: str, value) -> str:
    if isinstance(value, (list, tuple)):
        return f'{key}=[{",".join(str(v) for v in value)}]'
    return f'{key}={value}'


def _run(args: List[str]) -> str:
    proc = subprocess.run([sys.executable] + args, cwd=ROOT, text=True,
                          capture_output=True,
                          env=dict(os.environ, PYTHONUNBUFFERED='1'))
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-4000:])
        raise UserInputError(f'{" ".join(args[:2])} failed (exit code '
                             f'{proc.returncode}); its output is above.')
    return proc.stdout + proc.stderr


def train_and_test(toy: str, diff: dict, data: str, iters: int, seed: int,
                   work_dir: str) -> float:
    """Train the toy config changed by ``diff`` and return its test bbox
    mAP."""
    options = data_root_options(data)
    options.update({
        'randomness.seed': seed,
        'train_cfg.max_iters': iters,
        'train_cfg.val_interval': iters + 1,  # test once, below
        'param_scheduler.1.end': iters,
        'param_scheduler.1.milestones': [int(iters * 0.85)],
        'default_hooks.checkpoint.interval': iters,
        'default_hooks.logger.interval': 50,
    })
    options.update({f'model.{k}': v for k, v in diff.items()})
    cfg_options = ['--cfg-options'] + [_option(k, v)
                                       for k, v in options.items()]
    _run(['tools/train.py', toy, '--work-dir', work_dir] + cfg_options)
    checkpoint = osp.join(work_dir, f'iter_{iters}.pth')
    output = _run(['tools/test.py', toy, checkpoint, '--work-dir', work_dir]
                  + cfg_options)
    found = re.findall(r'coco/bbox_mAP: ([0-9.]+)', output)
    if not found:
        raise UserInputError(f'{toy}: tools/test.py printed no bbox mAP')
    return float(found[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('ablations', help='folder of ablation configs')
    parser.add_argument('--base', required=True,
                        help='the full-size config the ablations diff from')
    parser.add_argument('--toy', required=True,
                        help='the toy config the diffs are replayed on')
    parser.add_argument('--data', default='data/toy')
    parser.add_argument('--iters', type=int, default=200)
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    parser.add_argument('--work-dir', default='work_dirs/toy_ablations')
    parser.add_argument('--only', nargs='*', default=None,
                        help='run only these config names (no .py)')
    parser.add_argument('--out', help='write the table as json here')
    args = parser.parse_args()
    for path, what in ((args.base, '--base'), (args.toy, '--toy')):
        if not osp.isfile(path):
            raise UserInputError(f'{what} {path}: no such config file.')
    if not osp.isfile(osp.join(args.data, 'annotations', 'test.json')):
        raise UserInputError(
            f'--data {args.data}: no annotations/test.json. Fix: write the '
            'toy data with tools/misc/make_toy_data.py --out '
            f'{args.data}.')
    configs = sorted(glob.glob(osp.join(args.ablations, '*.py')))
    if not configs:
        raise UserInputError(f'{args.ablations}: no config (*.py) in it.')
    base = Config.fromfile(args.base).model.to_dict()
    runs = [(osp.splitext(osp.basename(args.base))[0], {})]
    for path in configs:
        name = osp.splitext(osp.basename(path))[0]
        runs.append((name, model_diff(base,
                                      Config.fromfile(path).model.to_dict(),
                                      path)))
    if args.only:
        runs = [r for r in runs if r[0] in args.only]
    table = []
    for name, diff in runs:
        scores = []
        for seed in args.seeds:
            work = osp.join(args.work_dir, name, f'seed{seed}')
            scores.append(train_and_test(args.toy, diff, args.data,
                                         args.iters, seed, work))
            print(f'{name} seed {seed}: bbox mAP {scores[-1]:.3f}',
                  flush=True)
        table.append(dict(config=name, diff=diff, mAP=scores,
                          mean=sum(scores) / len(scores)))
    print(f'\ntoy bbox mAP, {args.iters} iterations, seeds {args.seeds}')
    print('| config | changes | ' +
          ' | '.join(f'seed {s}' for s in args.seeds) + ' | mean |')
    print('|---|---|' + '---|' * (len(args.seeds) + 1))
    for row in table:
        changes = ', '.join(f'{k}={v}' for k, v in row['diff'].items()
                            ) or '(base)'
        print(f'| {row["config"]} | {changes} | ' +
              ' | '.join(f'{m:.3f}' for m in row['mAP']) +
              f' | {row["mean"]:.3f} |')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(iters=args.iters, seeds=args.seeds, rows=table),
                      f, indent=1)


if __name__ == '__main__':
    run_cli(main)
