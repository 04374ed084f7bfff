"""Detect objects in a video file and write an annotated video.

Usage::

    python demo/video_demo.py VIDEO CONFIG CHECKPOINT --out out.mp4 \
        [--device cpu|cuda] [--score-thr 0.3] [--show] [--wait-time 1]

Prints a progress bar and, at the end, the frames per second end to end and
for the model alone.
"""
import argparse

from mmdet.apis import init_detector

import projects.common  # noqa: F401  registers modules, fixes torch.load
from projects.common.apis import VideoFileSource, run_frame_loop
from projects.common.utils import UserInputError, run_cli


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('video', help='video file')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--device', default='cpu', help='cpu, cuda, cuda:1')
    parser.add_argument('--score-thr', type=float, default=0.3,
                        help='draw boxes scoring at least this')
    parser.add_argument('--out', type=str, help='output video file (.mp4)')
    parser.add_argument('--show', action='store_true', help='show the video')
    parser.add_argument('--wait-time', type=float, default=1,
                        help='milliseconds to wait per shown frame')
    return parser.parse_args()


def main():
    args = parse_args()
    if not (args.out or args.show):
        raise UserInputError('Nothing to do: pass --out FILE.mp4 to save the '
                             'annotated video and/or --show to display it.')
    with VideoFileSource(args.video) as source:
        model = init_detector(args.config, args.checkpoint, device=args.device)
        stats = run_frame_loop(
            model, source, score_thr=args.score_thr, out_file=args.out,
            show=args.show, wait_time=args.wait_time)
    print(stats.summary())
    if args.out:
        print(f'annotated video: {args.out}')


if __name__ == '__main__':
    run_cli(main)
