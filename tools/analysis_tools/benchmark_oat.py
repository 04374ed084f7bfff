"""OAT's speed on this machine: training samples per second and the
latency of predicting one scanpath.

Usage::

    python tools/analysis_tools/benchmark_oat.py [--config configs/oat/oat_amazon.py]
        [--objects 84] [--batch 20] [--fixations 15] [--device cpu]

Random weights and random crops of the config's crop size; ``--objects``
per layout (Amazon: 84), ``--fixations`` per human scanpath (Amazon: 14.5
on average, so 15). Training: forward, backward and an Adam step on a batch
of ``--batch`` scanpaths of that length (best of 3 after a warm-up).
Inference: one layout, the encoder once, then one decoder pass per
fixation over the growing prefix, as ``OAT.generate`` does (a random model
would end its search at an arbitrary step, so the steps are run to the
given length).
"""
import argparse
from typing import List, Optional

import numpy as np
import torch
from mmengine.structures import BaseDataElement

from projects.common.utils import build_model_from_config
from projects.common.utils.timing import best_seconds


def make_batch(model, batch: int, objects: int, fixations: int, seed=0):
    rng = np.random.default_rng(seed)
    cols = int(np.ceil(np.sqrt(objects * 2.3)))
    idx = np.arange(objects)
    samples, crops = [], []
    for _ in range(batch):
        target = int(rng.integers(objects))
        path = rng.integers(objects, size=fixations).tolist()
        samples.append(BaseDataElement(
            positions=np.stack([idx // cols, idx % cols], 1), target=target,
            layout=(int(np.ceil(objects / cols)), cols), gt_scanpath=path))
        crops.append(torch.from_numpy(rng.integers(
            0, 256, (objects, 3) + tuple(model.crop_size), dtype=np.uint8)))
    return model.data_preprocessor(dict(inputs=crops, data_samples=samples),
                                   True)


def parse_args(argv: Optional[List[str]] = None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default='configs/oat/oat_amazon.py')
    parser.add_argument('--objects', type=int, default=84)
    parser.add_argument('--batch', type=int, default=20)
    parser.add_argument('--fixations', type=int, default=15)
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    torch.manual_seed(0)
    model = build_model_from_config(args.config).to(args.device)
    model.init_weights()
    optim = torch.optim.Adam(model.parameters(), lr=1e-4)
    data = make_batch(model, args.batch, args.objects, args.fixations)
    model.train()

    def train_step():
        optim.zero_grad()
        loss = model.loss(data['inputs'], data['data_samples'])
        loss['loss_scanpath'].backward()
        optim.step()

    device = torch.device(args.device)
    train_s = best_seconds(train_step, device)
    one = make_batch(model, 1, args.objects, args.fixations, seed=1)
    model.eval()
    seq = one['inputs']['scanpath']

    @torch.no_grad()
    def predict_one():
        enc = model.encode(one['inputs'])
        for t in range(args.fixations):
            model.decode(enc, seq[:, :t])[:, -1].argmax(-1)

    infer_s = best_seconds(predict_one, device)
    result = dict(train_samples_per_s=args.batch / train_s,
                  train_step_s=train_s, scanpath_latency_s=infer_s)
    print(f'{args.config}: {args.objects} objects, crops '
          f'{tuple(model.crop_size)}, {args.fixations} fixations, '
          f'{torch.get_num_threads()} threads, {args.device}')
    print(f'training: {result["train_samples_per_s"]:.1f} scanpaths/s '
          f'({train_s * 1e3:.0f} ms per batch of {args.batch})')
    print(f'inference: {infer_s * 1e3:.1f} ms per scanpath '
          f'({infer_s / args.fixations * 1e3:.1f} ms per fixation)')
    return result


if __name__ == '__main__':
    main()
