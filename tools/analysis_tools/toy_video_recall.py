"""How many shapes of the toy video a detector shows: its detections on
every frame of ``video/shapes.mp4`` against the per-frame ground truth of
``video/shapes.json`` (tools/misc/make_toy_data.py).

Usage::

    python tools/analysis_tools/toy_video_recall.py CONFIG CHECKPOINT \
        [--video-dir data/toy/video] [--score-thr 0.3] [--iou 0.5]

A shape counts as shown when a detection of its class with a score of at
least ``--score-thr`` (the video demo's drawing threshold) overlaps it
with IoU >= ``--iou``; prints the shown / total count, the frames where a
shape is missing, the false detections drawn and the duplicates (boxes
drawn on a shown shape beyond its first).
"""
import argparse
import json
import os.path as osp

import cv2
import torch
from mmdet.apis import inference_detector, init_detector
from torchvision.ops import box_iou

from projects.common.utils import UserInputError, run_cli


def frame_recall(result, objects, classes, score_thr, iou_thr):
    """(shown, missed, false, duplicate) counts of one frame: a duplicate
    is a drawn box on a shape that another drawn box already shows."""
    pred = result.pred_instances
    keep = pred.scores >= score_thr
    boxes, labels = pred.bboxes[keep], pred.labels[keep]
    gt = torch.tensor([[x, y, x + w, y + h] for x, y, w, h in
                       (o['bbox'] for o in objects)]).reshape(-1, 4)
    gt_labels = torch.tensor([classes.index(o['category'])
                              for o in objects])
    iou = box_iou(gt, boxes.float()) if len(boxes) else torch.zeros(
        len(gt), 0)
    same = gt_labels[:, None] == labels[None]
    hit = (iou >= iou_thr) & same
    shown = int(hit.any(1).sum())
    false = int((~hit.any(0)).sum()) if len(boxes) else 0
    duplicate = int(hit.any(0).sum()) - shown if len(boxes) else 0
    return shown, len(objects) - shown, false, duplicate


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--video-dir', default='data/toy/video')
    parser.add_argument('--score-thr', type=float, default=0.3)
    parser.add_argument('--iou', type=float, default=0.5)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)
    gt_file = osp.join(args.video_dir, 'shapes.json')
    if not osp.isfile(gt_file):
        raise UserInputError(f'{gt_file} not found: write the toy data with '
                             'tools/misc/make_toy_data.py --out DIR and pass '
                             '--video-dir DIR/video')
    with open(gt_file) as f:
        truth = json.load(f)
    model = init_detector(args.config, args.checkpoint, device=args.device)
    classes = list(model.dataset_meta['classes'])
    video = cv2.VideoCapture(osp.join(args.video_dir, truth['video']))
    shown = missed = false = duplicate = 0
    missing_frames = []
    for frame in truth['frames']:
        ok, image = video.read()
        if not ok:
            raise UserInputError(
                f'{truth["video"]} ends before frame {frame["frame"]} of '
                f'{gt_file}: write the toy data again')
        counts = frame_recall(inference_detector(model, image),
                              frame['objects'], classes, args.score_thr,
                              args.iou)
        shown, missed, false, duplicate = (
            shown + counts[0], missed + counts[1], false + counts[2],
            duplicate + counts[3])
        if counts[1]:
            missing_frames.append(frame['frame'])
    total = shown + missed
    print(f'toy video: {shown} of {total} shapes shown '
          f'({100 * shown / max(total, 1):.1f}%; class match, IoU >= '
          f'{args.iou}, score >= {args.score_thr}) in '
          f'{len(truth["frames"])} frames; {false} false detections and '
          f'{duplicate} duplicates drawn')
    if missing_frames:
        print(f'frames with a missed shape: {missing_frames}')


if __name__ == '__main__':
    run_cli(main)
