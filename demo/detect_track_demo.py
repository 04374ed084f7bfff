"""Detect, then track: the detector picks the target in the first frame,
MixFormer follows it, and the detector re-acquires it when the tracker's
score stays low.

Usage::

    python demo/detect_track_demo.py VIDEO DET_CONFIG DET_CHECKPOINT \
        SOT_CONFIG SOT_CHECKPOINT (--target-class NAME | --init-bbox x,y,w,h)
        --out OUT.mp4 [--json frames.json] [--score-thr 0.3]
        [--lost-score 0.3] [--lost-frames 5] [--max-frames N] [--device cpu]

The target is the highest-scoring detection of ``--target-class`` in the
first frame where there is one, or the ``--init-bbox``. After
``--lost-frames`` frames in a row with a tracker score below
``--lost-score``, the detector looks near the last box (within 2 target
sizes) for the same class and restarts the tracker there. The video shows
the box, where it came from and its score; ``--json`` writes one record per
frame; the end prints the frames per second and how often the detector ran.
"""
import argparse
import json

from mmdet.apis import init_detector

import projects.common  # noqa: F401  registers modules, fixes torch.load
from projects.common.apis import VideoFileSource
from projects.common.utils import UserInputError, run_cli
from projects.common.utils.atomic_write import write_text_atomic
from projects.mixformer.apis import init_tracker, parse_box
from projects.mixformer.detect_track import (DetectTrackConfig,
                                             detect_then_track)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('video')
    parser.add_argument('det_config')
    parser.add_argument('det_checkpoint')
    parser.add_argument('sot_config')
    parser.add_argument('sot_checkpoint')
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument('--target-class', help='class name of the target')
    target.add_argument('--init-bbox', help='first-frame box x,y,w,h')
    parser.add_argument('--out', required=True, help='annotated .mp4')
    parser.add_argument('--json', help='per-frame boxes and scores')
    parser.add_argument('--score-thr', type=float, default=0.3)
    parser.add_argument('--lost-score', type=float, default=0.3)
    parser.add_argument('--lost-frames', type=int, default=5)
    parser.add_argument('--max-frames', type=int, default=0)
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    init_bbox = parse_box(args.init_bbox) if args.init_bbox else None
    detector = init_detector(args.det_config, args.det_checkpoint,
                             device=args.device)
    classes = list(detector.dataset_meta.get('classes', ()))
    target = None
    if args.target_class is not None:
        if args.target_class not in classes:
            raise UserInputError(
                f'--target-class {args.target_class!r} is not a class of '
                f'{args.det_config} ({", ".join(classes[:20])})')
        target = classes.index(args.target_class)
    cfg = DetectTrackConfig(target_class=target, score_thr=args.score_thr,
                            lost_score=args.lost_score,
                            lost_frames=args.lost_frames)
    tracker = init_tracker(args.sot_config, args.sot_checkpoint, args.device)
    with VideoFileSource(args.video) as source:
        if args.max_frames > 0:
            source.limit = args.max_frames
        result = detect_then_track(detector, tracker, source, cfg,
                                   init_bbox=init_bbox, out_file=args.out)
    print(f'{result.stats.summary()}; detector ran on '
          f'{result.detector_calls} frames, re-acquired the target '
          f'{result.reacquired} times')
    print(f'annotated video: {args.out}')
    if args.json:
        write_text_atomic(args.json, json.dumps(result.frames, indent=1))
    return 0


if __name__ == '__main__':
    run_cli(main)
