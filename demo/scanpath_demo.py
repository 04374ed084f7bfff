"""Predict where a person looks while searching an image for a target:
a detector finds the objects, OAT predicts the fixation sequence over them.

Usage::

    python demo/scanpath_demo.py IMAGE --target-class NAME \
        DET_CONFIG DET_CHECKPOINT OAT_CONFIG OAT_CHECKPOINT \
        [--out outputs/scanpath.jpg] [--json scanpath.json] \
        [--score-thr 0.3] [--max-objects 60] [--sample --seed 0]
        [--device cpu]

The target is the highest-scoring detection of ``--target-class``; the
objects are the detections scoring at least ``--score-thr`` (at most
``--max-objects``, best first). Box centres are quantised to a grid of the
rows and columns found from the boxes (projects/oat/README.md, "Any
image"). OAT decodes greedily, or with ``--sample`` draws one path from
its softmax (seeded). The drawing numbers the fixations 1..T at the object
centres, joined by arrows (one marker for a run of refixations); ``--json``
writes the sequence of boxes.
"""
import argparse
import json
import os.path as osp

import mmcv
import numpy as np
import torch
from mmdet.apis import inference_detector, init_detector
from mmengine.runner import load_checkpoint

import projects.common  # noqa: F401  registers modules, fixes torch.load
from projects.common.apis import inference_pipeline
from projects.common.utils import (UserInputError, build_model_from_config,
                                   run_cli)
from projects.common.utils.atomic_write import (atomic_path,
                                                write_text_atomic)
from projects.oat.apis import draw_scanpath, predict_scanpath


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('image')
    parser.add_argument('det_config')
    parser.add_argument('det_checkpoint')
    parser.add_argument('oat_config')
    parser.add_argument('oat_checkpoint')
    parser.add_argument('--target-class', required=True,
                        help='class name of the target, as the detector '
                        'names it')
    parser.add_argument('--out', default='outputs/scanpath.jpg')
    parser.add_argument('--json', help='write the fixated boxes here')
    parser.add_argument('--score-thr', type=float, default=0.3)
    parser.add_argument('--max-objects', type=int, default=60)
    parser.add_argument('--sample', action='store_true',
                        help='draw one sampled path instead of the greedy')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def detections(det, image_path, score_thr, max_objects):
    result = inference_detector(det, image_path,
                                test_pipeline=inference_pipeline(det, False))
    inst = result.pred_instances
    keep = (inst.scores >= score_thr).nonzero().flatten()[:max_objects]
    return (inst.bboxes[keep].cpu().numpy(), inst.scores[keep].cpu().numpy(),
            inst.labels[keep].cpu().numpy())


def main(argv=None):
    args = parse_args(argv)
    image = mmcv.imread(args.image)
    if image is None:
        raise UserInputError(f'cannot read image {args.image}')
    det = init_detector(args.det_config, args.det_checkpoint,
                        device=args.device)
    classes = list(det.dataset_meta.get('classes', ()))
    if args.target_class not in classes:
        raise UserInputError(
            f'--target-class {args.target_class!r} is not a class of '
            f'{args.det_config} ({", ".join(classes[:20])}'
            f'{", ..." if len(classes) > 20 else ""})')
    boxes, scores, labels = detections(det, args.image, args.score_thr,
                                       args.max_objects)
    wanted = np.flatnonzero(labels == classes.index(args.target_class))
    if len(wanted) == 0:
        found = sorted({classes[i] for i in labels})
        raise UserInputError(
            f'no {args.target_class!r} detected in {args.image} at score >= '
            f'{args.score_thr} (found: {", ".join(found) or "nothing"}); '
            f'lower --score-thr or pick another class')
    target = int(wanted[np.argmax(scores[wanted])])
    oat = build_model_from_config(args.oat_config)
    load_checkpoint(oat, args.oat_checkpoint, map_location='cpu')
    oat.to(args.device)
    torch.manual_seed(args.seed)
    result = predict_scanpath(oat, image, boxes, target,
                              'sample' if args.sample else 'greedy')
    names = [classes[i] for i in labels]
    drawn = draw_scanpath(image, boxes, result['path'], target, names)
    with atomic_path(args.out) as tmp:
        mmcv.imwrite(drawn, tmp)
    path = result['path']
    print(f'{len(boxes)} objects, target {args.target_class} '
          f'(object {target}, score {scores[target]:.2f}); '
          f'{len(path)} fixations: {path} -> {args.out}')
    if args.json:
        write_text_atomic(args.json, json.dumps(dict(
            image=osp.abspath(args.image), target=target,
            target_class=args.target_class,
            layout=list(result['layout']),
            fixations=[dict(object=int(k), label=names[k],
                            score=float(scores[k]),
                            box=[float(v) for v in boxes[k]],
                            grid=[int(v) for v in result['positions'][k]])
                       for k in path]), indent=1))
    return 0


if __name__ == '__main__':
    run_cli(main)
