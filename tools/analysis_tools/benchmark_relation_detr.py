"""Relation-DETR against mmdet's DINO on this machine: inference latency,
training-step time, peak training memory, and the equality of the fast
paths with the reference ones; prints each ratio, all measured in one run.

Usage::

    python tools/analysis_tools/benchmark_relation_detr.py \
        [--parts equal eval train memory] [--repeats 3] \
        [--eval-size 800 1216] [--train-size 512 672] [--device cpu]

Models, random weights (nothing is downloaded), built from their configs:

- ``dino``: mmdet's ``dino-4scale_r50_8xb2-12e_coco.py`` as mmdet ships it;
- ``relation``: ``configs/relation_detr/relation-detr_r50_8xb2-12e_coco.py``;
- ``relation-ref``: the same model on its reference paths (mmcv's
  ``grid_sample`` deformable attention, the position relation on the whole
  N x N x 64 embedding, attention with its map): what this project
  computed before the fast paths, measured beside them (its hybrid queries
  are decoded beside the primary ones, as ``relation`` does:
  ``tests/relation_detr`` compares that with a pass of their own);
- ``dino-ops``: ``dino`` with this project's deformable attention
  (:func:`use_auto_msda`: the compiled CPU operator where it is built), so
  that the ratio ``relation / dino-ops`` shows what Relation-DETR costs
  beyond DINO when both run the same operators (``eval`` and ``train``);
- toy sizes (``configs/relation_detr/relation-detr_r18_1xb4-1000i_toy.py``,
  128 px, the config's batch of 4): ``toy-dino`` is that config with every
  Relation-DETR part off (no hybrid branch, memory fusion, relation, query
  scale; focal loss), which computes what mmdet's DINO computes
  (``tests/relation_detr``) at sizes mmdet's DINO decoder cannot take
  (it assumes 256 channels), with mmdet's image-by-image Hungarian
  targets (``batched_targets = False``); ``toy-relation`` is the config
  itself (targets of the batch at once, :class:`BatchedTargetsMixin`).

Parts:

- ``equal``: ``relation`` against ``relation-ref`` (same weights, one
  ``--equal-size`` image): in float64 (the computation) the encoder memory
  and the whole model's last-layer logits and boxes; in float32 (rounding)
  the encoder memory, then the decoder and last class head on the
  reference's decoder inputs (see :func:`part_equal` for why not the whole
  model);
- ``eval``: ``predict`` on one ``--eval-size`` image;
- ``train``: ``loss`` + ``backward`` on a batch of random images with 6
  random boxes each, R-50 at ``--train-size`` x 2 and the toy sizes;
- ``memory``: the peak of one R-50 training step, each model in its own
  process (:mod:`projects.common.utils.peak_memory`);
- ``profile`` (not in the default list): ``torch.profiler``'s top operators
  (self CPU time) of one ``relation`` predict and R-50 training step
  (``--profile-models relation relation-ref`` adds the reference paths).

Times are medians over ``--repeats`` rounds after one warm-up, the models
of a part taking turns in every round, so that the machine's drift hits
them alike.
"""
import argparse
import json
import logging
import os
import sys

import torch
from mmengine.config import Config
from mmengine.logging import MMLogger

from projects.common.models import (set_msda_fast, use_auto_msda,
                                    use_explicit_attention)
from projects.common.utils import (DINO_R50_CONFIG, best_seconds,
                                   build_model_from_config, interleaved,
                                   one_image_batch, train_batch, train_step)
from projects.common.utils.peak_memory import (MALLOC_ENV, peak_bytes,
                                               run_child)

RELATION = 'configs/relation_detr/relation-detr_r50_8xb2-12e_coco.py'
TOY = 'configs/relation_detr/relation-detr_r18_1xb4-1000i_toy.py'
TOY_DINO = dict(
    model=dict(
        num_hybrid_queries=0,
        encoder=dict(with_memory_fusion=False),
        decoder=dict(with_position_relation=False, with_query_scale=False),
        bbox_head=dict(loss_cls=dict(
            _delete_=True, type='FocalLoss', use_sigmoid=True, gamma=2.0,
            alpha=0.25, loss_weight=1.0))))
#: name: (config, config options, what to switch after building)
MODELS = {
    'dino': (DINO_R50_CONFIG, None, None),
    'dino-ops': (DINO_R50_CONFIG, None, 'ops'),
    'relation': (RELATION, None, None),
    'relation-ref': (RELATION, None, 'reference'),
    'toy-dino': (TOY, TOY_DINO, 'mmdet-targets'),
    'toy-relation': (TOY, None, None),
}


def use_reference_paths(model: torch.nn.Module) -> torch.nn.Module:
    """Put ``model`` on its reference paths: mmcv's ``grid_sample``
    deformable attention, the unchunked position relation and the explicit
    (attention-map) multi-head attention."""
    from projects.relation_detr import PositionRelationEmbedding
    set_msda_fast(model, False)
    use_explicit_attention(model)
    for module in model.modules():
        if isinstance(module, PositionRelationEmbedding):
            module.impl = 'reference'
    return model


def build(name: str, device, training: bool, seed: int = 0):
    config, options, switch = MODELS[name]
    torch.manual_seed(seed)
    model = build_model_from_config(config, options).to(device)
    model.init_weights()
    if switch == 'reference':
        use_reference_paths(model)
    elif switch == 'ops':
        use_auto_msda(model)
    elif switch == 'mmdet-targets':
        model.bbox_head.batched_targets = False
    return model.train(training)


def _record(model, inputs, samples):
    """``_forward`` of ``model`` plus what its encoder returned and what its
    decoder was given and returned."""
    seen = {}

    def encoder_out(_module, _args, output):
        seen['memory'] = output

    def decoder_in(_module, _args, kwargs):
        seen['decoder_inputs'] = dict(kwargs)

    def decoder_out(_module, _args, output):
        seen['decoder_outputs'] = output

    handles = [model.encoder.register_forward_hook(encoder_out),
               model.decoder.register_forward_pre_hook(decoder_in,
                                                       with_kwargs=True),
               model.decoder.register_forward_hook(decoder_out)]
    try:
        with torch.no_grad():
            seen['outputs'] = model._forward(inputs, samples)
    finally:
        for handle in handles:
            handle.remove()
    return seen


def part_equal(args, device):
    """float64: the whole model. float32: the encoder, then the decoder and
    the last class head given the reference model's decoder inputs. With
    random weights the encoder's top-k holds near-tied tokens whose order
    float rounding can swap, and a swapped token gets another content
    query, so whole-model float32 outputs can differ by far more than the
    rounding of any part (seen: 0.2-0.9 on logits, from 2-6 swapped
    queries, the same model on other runs)."""
    print(f'\n[equal] relation vs relation-ref, one '
          f'{args.equal_size[0]}x{args.equal_size[1]} image')
    inputs, samples = one_image_batch(args.equal_size, device)
    for dtype in (torch.float64, torch.float32):
        name = str(dtype)[6:]
        fast = build('relation', device, False).to(dtype)
        ref = build('relation-ref', device, False).to(dtype)
        got = _record(fast, inputs.to(dtype), samples)
        expected = _record(ref, inputs.to(dtype), samples)
        diff = (got['memory'] - expected['memory']).abs().max().item()
        print(f'  {name:<8} encoder memory          max abs diff {diff:.2e}')
        if dtype == torch.float32:
            # the decoder of the fast model on the reference's inputs
            decoder_inputs = dict(expected['decoder_inputs'],
                                  reg_branches=fast.bbox_head.reg_branches)
            with torch.no_grad():
                hidden, references = fast.decoder(**decoder_inputs)
                logits = fast.bbox_head.cls_branches[-1](hidden[-1])
                expected_hidden, expected_references = \
                    expected['decoder_outputs']
                expected_logits = ref.bbox_head.cls_branches[-1](
                    expected_hidden[-1])
            got_pair = (logits, references[-1])
            expected_pair = (expected_logits, expected_references[-1])
            where = 'decoder on equal inputs,'
        else:
            got_pair = tuple(o[-1] for o in got['outputs'])
            expected_pair = tuple(o[-1] for o in expected['outputs'])
            where = 'whole model,'
        for what, a, b in zip(('logits', 'boxes'), got_pair, expected_pair):
            diff = (a - b).abs().max().item()
            print(f'  {name:<8} {where} last-layer {what:<6} max abs diff '
                  f'{diff:.2e} (max |value| {b.abs().max().item():.2f})')


def part_eval(args, device):
    h, w = args.eval_size
    inputs, samples = one_image_batch(args.eval_size, device)
    models = {name: build(name, device, False)
              for name in ('dino', 'dino-ops', 'relation', 'relation-ref')}

    def predict(model):
        with torch.no_grad():
            model.predict(inputs, samples)

    res = interleaved({n: (lambda m=m: predict(m))
                       for n, m in models.items()}, args.repeats, device)
    print(f'\n[eval] predict, one {h}x{w} image, {args.device}, median of '
          f'{args.repeats}')
    for name, sec in res.items():
        print(f'  {name:<13} {sec:7.2f} s  {sec / res["dino"]:.2f}x dino')
    print(f'  target: relation <= 1.05x dino -> '
          f'{res["relation"] / res["dino"]:.2f}x; before (relation-ref): '
          f'{res["relation-ref"] / res["dino"]:.2f}x')
    print(f'  with the same deformable attention: relation '
          f'{res["relation"] / res["dino-ops"]:.2f}x dino-ops')


def part_train(args, device):
    cases = [('R-50', ('dino', 'relation', 'relation-ref', 'dino-ops'),
              args.train_size, 2, 80),
             ('toy', ('toy-dino', 'toy-relation'), (128, 128),
              Config.fromfile(TOY).train_dataloader.batch_size, 3)]
    for title, names, size, batch, classes in cases:
        inputs, samples = train_batch(size, batch, classes, device=device)
        models = {name: build(name, device, True) for name in names}
        res = interleaved({n: (lambda m=m: train_step(m, inputs, samples))
                           for n, m in models.items()}, args.repeats, device)
        base = names[0]
        print(f'\n[train] {title}: loss + backward, {batch} x '
              f'{size[0]}x{size[1]}, median of {args.repeats}')
        for name, sec in res.items():
            print(f'  {name:<13} {sec:7.2f} s  {sec / res[base]:.2f}x {base}')
        print(f'  target: relation <= 1.25x {base} -> '
              f'{res[names[1]] / res[base]:.2f}x')
        if 'dino-ops' in res:
            print(f'  with the same deformable attention: relation '
                  f'{res["relation"] / res["dino-ops"]:.2f}x dino-ops')


def one_memory_case(args, name, device):
    inputs, samples = train_batch(args.train_size, 2, 80, device=device)
    model = build(name, device, True)
    train_step(model, inputs, samples)  # warm-up: lazy buffers, allocator
    return peak_bytes(lambda: train_step(model, inputs, samples), device)


def part_memory(args, device):
    h, w = args.train_size
    peaks = {}
    for name in ('dino', 'relation', 'relation-ref'):
        cmd = [sys.executable, __file__, '--memory-case', name,
               '--train-size', str(h), str(w), '--device', args.device]
        peaks[name] = run_child(cmd, dict(os.environ, **MALLOC_ENV))['peak']
    print(f'\n[memory] peak of one R-50 training step, 2 x {h}x{w}, '
          f'{args.device}')
    for name, peak in peaks.items():
        print(f'  {name:<13} {peak / 2**20:8.0f} MiB  '
              f'{peak / peaks["dino"]:.2f}x dino')


def part_profile(args, device, top: int = 12):
    from torch.profiler import profile
    inputs, samples = one_image_batch(args.eval_size, device)
    batch = train_batch(args.train_size, 2, 80, device=device)
    for name in args.profile_models:
        for mode in ('eval', 'train'):
            model = build(name, device, mode == 'train')
            if mode == 'eval':
                def step():
                    with torch.no_grad():
                        model.predict(inputs, samples)
            else:
                def step():
                    train_step(model, *batch)
            step()  # warm-up
            with profile() as prof:
                step()
            print(f'\n[profile] {name} {mode}: top {top} operators by self '
                  f'CPU time')
            print(prof.key_averages().table(sort_by='self_cpu_time_total',
                                            row_limit=top))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--parts', nargs='+',
                        default=['equal', 'eval', 'train', 'memory'],
                        choices=['equal', 'eval', 'train', 'memory',
                                 'profile'])
    parser.add_argument('--eval-size', type=int, nargs=2, default=[800, 1216])
    parser.add_argument('--train-size', type=int, nargs=2,
                        default=[512, 672])
    parser.add_argument('--equal-size', type=int, nargs=2,
                        default=[512, 672])
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--profile-models', nargs='+', default=['relation'],
                        choices=['relation', 'relation-ref', 'dino'])
    parser.add_argument('--memory-case', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    MMLogger.get_instance('mmengine').setLevel(logging.WARNING)
    device = torch.device(args.device)
    if args.memory_case:
        print(json.dumps(dict(
            peak=one_memory_case(args, args.memory_case, device))))
        return
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads')
    for part in args.parts:
        globals()[f'part_{part}'](args, device)


if __name__ == '__main__':
    main()
