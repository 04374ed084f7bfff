"""Focus-DETR's encoder against mmdet DINO's, and the two whole models,
measured in the same run on the same input; prints the ratios.

Usage::

    python tools/analysis_tools/benchmark_focus_detr.py \
        [--encoder-size 800 1333] [--model-size 800 1216] \
        [--device cpu] [--repeats 3]

Both models are built from their configs with random weights (nothing is
downloaded): ``configs/focus_detr/focus-detr_r50_8xb2-12e_coco.py`` and
mmdet's ``dino-4scale_r50_8xb2-12e_coco.py`` (the same backbone, neck,
decoder and 900 queries).

- **Encoder**: ``forward_encoder`` on the multi-scale features of one
  ``--encoder-size`` image. For Focus-DETR that includes the foreground
  token selector (scores, modulation, top-K cascade) and the scatter back;
  for DINO it is the 6-layer deformable encoder. FLOPs are counted by
  mmengine's ``FlopAnalyzer`` (fvcore's counting: one multiply-add is one
  FLOP) on a traced forward; the deformable sampling
  (``aten::grid_sampler``, the PyTorch path) is counted here as 4
  multiply-adds per sampled value (bilinear), which fvcore leaves out.
  Time is the best of ``--repeats`` calls after one warm-up.
- **Whole model**: ``predict`` (post-processing included) on one
  ``--model-size`` image, as ``tools/analysis_tools/benchmark_plain_detr.py``.
"""
import argparse
import logging
from typing import Dict

import torch
from mmengine.logging import MMLogger
from torch import nn

from projects.common.models import set_msda_fast
from projects.common.utils import (DINO_R50_CONFIG, best_seconds,
                                   build_model_from_config, detector_latency,
                                   one_image_batch)

FOCUS = 'configs/focus_detr/focus-detr_r50_8xb2-12e_coco.py'
DINO = DINO_R50_CONFIG


class EncoderStep(nn.Module):
    """``forward_encoder`` of a detector on fixed encoder inputs, as a
    module of tensors only (for tracing)."""

    def __init__(self, model: nn.Module, inputs: Dict) -> None:
        super().__init__()
        self.model = model
        self.fixed = {k: v for k, v in inputs.items()
                      if k not in ('feat', 'feat_pos')}

    def forward(self, feat, feat_pos):
        return self.model.forward_encoder(feat=feat, feat_pos=feat_pos,
                                          **self.fixed)['memory']


def encoder_inputs(model: nn.Module, size, device) -> Dict:
    """What the detector's encoder gets for one random ``size`` image."""
    inputs, samples = one_image_batch(size, device)
    with torch.no_grad():
        feats = model.extract_feat(inputs)
        encoder_inputs, _ = model.pre_transformer(feats, samples)
    return encoder_inputs


def _grid_sampler_flops(inputs, outputs):
    """4 multiply-adds (bilinear) per sampled value of ``grid_sample``."""
    from mmengine.analysis.jit_handles import get_shape
    from math import prod
    return 4 * prod(get_shape(outputs[0]))


def encoder_cost(config: str, size, device, repeats: int):
    """(GFLOPs, seconds) of the detector's ``forward_encoder``."""
    from mmengine.analysis import FlopAnalyzer
    model = build_model_from_config(config).to(device).eval()
    model.init_weights()
    inputs = encoder_inputs(model, size, device)
    step = EncoderStep(model, inputs).eval()
    args = (inputs['feat'], inputs['feat_pos'])
    with torch.no_grad():
        seconds = best_seconds(lambda: step(*args), device, repeats)
        # the traced graph must hold grid_sample (counted below): the fast
        # paths (compiled CPU operator, embedding_bag gather) are not
        set_msda_fast(step, False)
        try:
            counter = FlopAnalyzer(step, args).set_op_handle(
                'aten::grid_sampler', _grid_sampler_flops)
            counter.unsupported_ops_warnings(False)
            counter.uncalled_modules_warnings(False)
            flops = counter.total()
        finally:
            set_msda_fast(step, True)
    return flops / 1e9, seconds, inputs['feat'].shape[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--encoder-size', type=int, nargs=2,
                        default=[800, 1333])
    parser.add_argument('--model-size', type=int, nargs=2,
                        default=[800, 1216])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--skip-model', action='store_true',
                        help='measure the encoders only')
    args = parser.parse_args(argv)
    MMLogger.get_instance('mmengine').setLevel(logging.WARNING)
    device = torch.device(args.device)
    h, w = args.encoder_size
    f_flops, f_sec, tokens = encoder_cost(FOCUS, args.encoder_size, device,
                                          args.repeats)
    d_flops, d_sec, _ = encoder_cost(DINO, args.encoder_size, device,
                                     args.repeats)
    print(f'encoder at {h}x{w} ({tokens} tokens) on {args.device}: '
          f'Focus-DETR {f_flops:.2f} GFLOPs {f_sec * 1e3:.0f} ms, '
          f'DINO {d_flops:.2f} GFLOPs {d_sec * 1e3:.0f} ms; '
          f'Focus / DINO = {f_flops / d_flops:.2f}x FLOPs, '
          f'{f_sec / d_sec:.2f}x time')
    if args.skip_model:
        return
    h, w = args.model_size
    focus = detector_latency(FOCUS, args.model_size, device, args.repeats)
    dino = detector_latency(DINO, args.model_size, device, args.repeats)
    print(f'whole model at {h}x{w} on {args.device}: Focus-DETR R-50 '
          f'{focus * 1e3:.0f} ms, DINO R-50 {dino * 1e3:.0f} ms, '
          f'Focus / DINO = {focus / dino:.2f}x')


if __name__ == '__main__':
    main()
