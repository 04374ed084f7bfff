"""Track one object through a video file or a camera stream (MixFormer).

Usage::

    python demo/sot_demo.py CONFIG CHECKPOINT (--video FILE | --camera-id 0)
        [--init-bbox x,y,w,h] [--out out.mp4] [--device cpu] [--show]
        [--max-frames N]

Without --init-bbox the box is drawn on the first frame with OpenCV's
selectROI (needs a display). The output video shows the box and the
tracker's confidence per frame; the end prints the frames per second.
"""
import argparse
import os

import cv2

import projects.common  # noqa: F401  registers modules, fixes torch.load
from projects.common.apis import CameraSource, VideoFileSource
from projects.common.utils import UserInputError, run_cli
from projects.mixformer.apis import init_tracker, parse_box, track_video


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='tracker config')
    parser.add_argument('checkpoint', help='checkpoint file')
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument('--video', help='input video file')
    src.add_argument('--camera-id', type=int, help='camera device id')
    parser.add_argument('--init-bbox', help='initial box x,y,w,h (pixels)')
    parser.add_argument('--out', help='annotated output video (.mp4)')
    parser.add_argument('--device', default='cpu', help='cpu, cuda, cuda:1')
    parser.add_argument('--show', action='store_true', help='show a window')
    parser.add_argument('--max-frames', type=int, default=0,
                        help='stop after this many frames (0: all)')
    return parser.parse_args(argv)


def has_display() -> bool:
    return bool(os.environ.get('DISPLAY') or os.environ.get(
        'WAYLAND_DISPLAY')) or os.name == 'nt'


def select_roi(frame):
    if not has_display():
        raise UserInputError('no display to pick the box on: pass '
                             '--init-bbox x,y,w,h')
    x, y, w, h = cv2.selectROI('select the target, then Enter', frame,
                               showCrosshair=True)
    cv2.destroyWindow('select the target, then Enter')
    if w <= 0 or h <= 0:
        raise UserInputError('no box selected')
    return [x, y, w, h]


def main(argv=None):
    args = parse_args(argv)
    init_bbox = parse_box(args.init_bbox) if args.init_bbox else None
    if init_bbox is None and not has_display():
        raise UserInputError('no display to pick the box on: pass '
                             '--init-bbox x,y,w,h')
    if args.show and not has_display():
        raise UserInputError('--show needs a display; use --out instead')
    source = VideoFileSource(args.video) if args.video else CameraSource(
        args.camera_id)
    with source:
        if args.max_frames > 0:
            source.limit = args.max_frames
        model = init_tracker(args.config, args.checkpoint, args.device)
        stats = track_video(model, source, init_bbox=init_bbox,
                            select_roi=select_roi, out_file=args.out,
                            show=args.show)
    print(stats.summary())
    if args.out:
        print(f'annotated video: {args.out}')


if __name__ == '__main__':
    run_cli(main)
