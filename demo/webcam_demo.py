"""Detect objects in a camera stream (the video demo's loop on a camera).

Usage::

    python demo/webcam_demo.py CONFIG CHECKPOINT [--camera-id 0] \
        [--device cpu|cuda] [--score-thr 0.3] [--out out.mp4] [--no-show]

Esc or q in the window stops. Without a screen, use --no-show with --out.
"""
import argparse

from mmdet.apis import init_detector

import projects.common  # noqa: F401  registers modules, fixes torch.load
from projects.common.apis import CameraSource, run_frame_loop
from projects.common.utils import UserInputError, run_cli


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--device', default='cpu', help='cpu, cuda, cuda:1')
    parser.add_argument('--camera-id', type=int, default=0,
                        help='camera device id')
    parser.add_argument('--score-thr', type=float, default=0.5,
                        help='draw boxes scoring at least this')
    parser.add_argument('--out', type=str, help='also record to this video')
    parser.add_argument('--no-show', action='store_true',
                        help='do not open a window (needs --out)')
    parser.add_argument('--max-frames', type=int, default=0,
                        help='stop after this many frames (0: until Esc/q)')
    return parser.parse_args()


def main():
    args = parse_args()
    if args.no_show and not args.out:
        raise UserInputError('--no-show needs --out FILE.mp4, or nothing '
                             'would be seen.')
    with CameraSource(args.camera_id) as camera:
        model = init_detector(args.config, args.checkpoint, device=args.device)
        if args.max_frames > 0:
            camera.limit = args.max_frames
        stats = run_frame_loop(
            model, camera, score_thr=args.score_thr,
            out_file=args.out, show=not args.no_show, progress=False)
    print(stats.summary())


if __name__ == '__main__':
    run_cli(main)
