"""Export a detector to ONNX, post-processing included, and check it.

Usage::

    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT --out model.onnx \\
        [--shape H W] [--dynamic] [--opset 17] [--simplify] [--image IMG] \\
        [--benchmark N]

The graph (see :mod:`projects.common.deployment.export_model`) takes one
image resized to H x W and normalised as the config's data preprocessor
does (``input``, float32 (1, 3, H, W)) and returns ``boxes`` (N, 4; x1 y1
x2 y2 in input pixels), ``scores`` (N,) and ``labels`` (N,). Supported:
the DETRs of this project (Relation-, Plain-, Focus-DETR; mmdet's DINO and
Deformable DETR too) and RetinaNet with any backbone (ResNet, BiFormer,
ResNet-ELA). Deformable attention runs its pure-PyTorch path (grid
sampling): the graph holds standard ONNX operators only, which is checked.

Before anything is written to ``--out``, onnxruntime runs the graph on the
export input (``--image``, or a seeded random image) and its detections are
matched to PyTorch's: the maximum score and box differences are printed,
and the tool exits 1, writing nothing, when a detection has no counterpart
or a difference exceeds ``--score-atol`` (default 1e-3) or ``--box-atol``
(default 0.05 px). With ``--dynamic`` the graph gets free H and W and is
also checked at a second size; a model whose traced graph freezes its
input size (the DETRs: the feature-map sizes of every level become
constants) fails there, and a fixed ``--shape`` per size is the fix.
``--benchmark N`` prints the median latency of onnxruntime and of PyTorch
eager on CPU over N runs, and their ratio.

Measured (Relation-DETR R-50, random weights, 800x1216, a COCO image, 2
CPU cores): 300 detections matched, max score difference 8.2e-4 with
onnxruntime's default optimisation level ('all') and also with none, but
4.4e-6 with ``--ort-level basic`` (PyTorch fp32 against fp64: 3.2e-6); box
differences 2.4e-4 px. Hence the default ``--score-atol`` of 1e-3.

Needs the optional extras: ``pip install -e .[deploy] -c requirements.txt``.
"""
import argparse
import os.path as osp

import numpy as np
import torch
from mmengine.config import DictAction

from projects.common.utils import UserInputError, atomic_path, run_cli


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', required=True, help='the .onnx to write')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'),
                        default=None, help='input size of the export '
                        '(default 800 1216); fixed unless --dynamic')
    parser.add_argument('--dynamic', action='store_true',
                        help='free input height and width (exported at '
                        '--shape, checked there and at a second size)')
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--simplify', action='store_true',
                        help='simplify the graph with onnxsim')
    parser.add_argument('--image', help='export and check on this image '
                        '(resized to the shape); default: a seeded random '
                        'image')
    parser.add_argument('--score-atol', type=float, default=1e-3)
    parser.add_argument('--box-atol', type=float, default=0.05,
                        help='pixels')
    parser.add_argument('--benchmark', type=int, default=0, metavar='N',
                        help='time onnxruntime and PyTorch eager, N runs')
    parser.add_argument('--ort-level', default='all',
                        choices=['none', 'basic', 'extended', 'all'],
                        help="onnxruntime's graph optimisation level for the "
                        'check and the benchmark (its default: all)')
    parser.add_argument('--threads', type=int, default=0,
                        help='CPU threads of both runtimes (0: default)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='key=value overrides of the config')
    return parser.parse_args()


def make_input(model, shape, image_path=None, seed=0) -> torch.Tensor:
    """The normalised (1, 3, H, W) input: ``image_path`` resized to
    ``shape`` (or a seeded random image), through the model's data
    preprocessor (channel order, mean, std)."""
    import cv2
    from projects.common.deployment import image_sample
    height, width = shape
    if image_path is None:
        image = np.random.default_rng(seed).integers(
            0, 256, (height, width, 3), dtype=np.uint8)
    else:
        image = cv2.imread(image_path)
        if image is None:
            raise UserInputError(f'--image {image_path}: not a readable '
                                 'image file.')
        image = cv2.resize(image, (width, height),
                           interpolation=cv2.INTER_LINEAR)
    data = dict(inputs=[torch.from_numpy(image).permute(2, 0, 1).contiguous()],
                data_samples=[image_sample(height, width)])
    with torch.no_grad():
        inputs = model.data_preprocessor(data, False)['inputs']
    if tuple(inputs.shape[-2:]) != (height, width):
        divisor = getattr(model.data_preprocessor, 'pad_size_divisor', 1)
        raise UserInputError(
            f'--shape {height} {width}: the data preprocessor pads it to '
            f'{tuple(inputs.shape[-2:])}. Fix: use multiples of {divisor}.')
    return inputs


def _torch_outputs(wrapper, inputs):
    with torch.no_grad():
        return [t.numpy() for t in wrapper(inputs)]


def simplify(path):
    import onnx
    try:
        import onnxsim
    except ImportError:
        raise UserInputError('--simplify needs onnxsim. Fix: pip install '
                             '-e .[deploy] -c requirements.txt')
    model = onnx.load(path)
    before = len(model.graph.node)
    simplified, ok = onnxsim.simplify(model)
    if not ok:
        raise UserInputError('onnxsim could not validate the simplified '
                             'graph. Fix: export without --simplify.')
    onnx.save(simplified, path)
    return before, len(simplified.graph.node)


def check(session, wrapper, inputs, args, label):
    from projects.common.deployment import compare_detections
    expected = _torch_outputs(wrapper, inputs)
    got = session.run(None, {'input': inputs.numpy()})
    agreement = compare_detections(expected, got, args.score_atol,
                                   args.box_atol)
    ok = agreement.ok(args.score_atol, args.box_atol)
    print(f'check {label}: {agreement.summary()} -> '
          f'{"OK" if ok else "FAILED"} (tolerance: scores '
          f'{args.score_atol:g}, boxes {args.box_atol:g} px)', flush=True)
    if len(expected[1]) == 0:
        print('  note: no detection on this input, so the comparison is '
              'empty; check with --image on an image with objects.')
    return ok


def main():
    args = parse_args()
    for path, what in ((args.config, 'config'),
                       (args.checkpoint, 'checkpoint')):
        if not osp.isfile(path):
            raise UserInputError(f'{what} {path}: no such file.')
    if not args.out.endswith('.onnx'):
        raise UserInputError(f'--out {args.out}: name the file *.onnx.')
    from projects.common.deployment import (ExportableDetector,
                                            custom_operators, export_onnx,
                                            median_seconds, ort_session,
                                            require_onnx)
    try:
        require_onnx()
    except ImportError as error:
        raise UserInputError(str(error))
    if args.threads:
        torch.set_num_threads(args.threads)
    from mmdet.apis import init_detector
    model = init_detector(args.config, args.checkpoint, device='cpu',
                          cfg_options=args.cfg_options).eval()
    try:
        wrapper = ExportableDetector(model).eval()
    except TypeError as error:
        raise UserInputError(f'{args.config}: {error}')
    shape = tuple(args.shape or (800, 1216))
    inputs = make_input(model, shape, args.image)
    with atomic_path(args.out) as tmp:
        export_onnx(wrapper, inputs, tmp, args.opset, args.dynamic)
        print(f'exported {type(model).__name__} at {shape[0]}x{shape[1]} '
              f'(opset {args.opset}{", dynamic H, W" if args.dynamic else ""})',
              flush=True)
        if args.simplify:
            before, after = simplify(tmp)
            print(f'onnxsim: {before} -> {after} nodes')
        custom = custom_operators(tmp)
        if custom:
            raise UserInputError(
                f'the graph holds non-standard operators {custom}; '
                'onnxruntime alone cannot run them. Nothing written.')
        session = ort_session(tmp, args.threads, args.ort_level)
        ok = check(session, wrapper, inputs, args, f'{shape[0]}x{shape[1]}')
        if ok and args.dynamic:
            second = (shape[0] + 64, shape[1] - 64)
            try:
                ok = check(session, wrapper,
                           make_input(model, second, args.image, seed=1),
                           args, f'{second[0]}x{second[1]} (dynamic)')
            except Exception as error:  # onnxruntime's shape errors
                print(f'check {second[0]}x{second[1]} (dynamic): onnxruntime '
                      f'failed: {str(error).splitlines()[0][:300]}')
                ok = False
            if not ok:
                print('  the traced graph does not generalise across input '
                      'sizes for this model. Fix: export one fixed --shape '
                      'per input size.')
        if not ok:
            raise UserInputError(f'the exported graph disagrees with '
                                 f'PyTorch; nothing written to {args.out}.')
        if args.benchmark:
            eager = median_seconds(lambda: _torch_outputs(wrapper, inputs),
                                   args.benchmark)
            feed = {'input': inputs.numpy()}
            onnx_time = median_seconds(lambda: session.run(None, feed),
                                       args.benchmark)
            print(f'latency at {shape[0]}x{shape[1]}, CPU, '
                  f'{torch.get_num_threads()} torch threads, median of '
                  f'{args.benchmark}: PyTorch eager {eager:.3f} s, '
                  f'onnxruntime {onnx_time:.3f} s, ratio onnxruntime / '
                  f'eager {onnx_time / eager:.2f}', flush=True)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    run_cli(main)
