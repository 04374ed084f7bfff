"""Write the deterministic toy dataset used by ``make demo`` and the tests.

Usage::

    python tools/misc/make_toy_data.py --out data/toy --seed 0
    # the same shapes and boxes, darkened (FeatEnHancer's low-light toy)
    python tools/misc/make_toy_data.py --out data/toy_lowlight --seed 0 \
        --low-light

Layout written under ``--out``::

    annotations/{train,val,test}.json   COCO format, classes of TOY_CLASSES
    {train,val,test}/*.png              128x128 images of coloured shapes
    video/shapes.mp4                    a short clip of moving shapes
    video/shapes.json                   per-frame boxes with track ids

With ``--low-light`` every image (and video frame) is the one of the same
seed without it, darkened by :func:`darken`: the boxes, the splits and the
file names are the same, so a model can be tested on both.

The boxes of two training shapes overlap up to IoU 0.5 (the later shape
in front), as the toy video's do; those of val and test stay below 0.2
(:data:`MAX_IOU`). A shape that later shapes cover for more than half of
its pixels is annotated ``iscrowd`` (COCO's ignore; :func:`make_image`).
Each json records ``info.version`` (:data:`DATA_VERSION`), the seed and the
darkening; ``--skip-current`` writes nothing when ``--out`` already holds
what these arguments write (``make demo`` uses it) and rewrites it
otherwise, e.g. data of an older version.

The same seed always gives the same files (bit for bit for the images and
json; the mp4 depends on the OpenCV build).
"""
import argparse
import json
import os
import os.path as osp
from typing import List, Optional, Tuple

import cv2
import numpy as np

CLASSES = ('circle', 'square', 'triangle')  # == projects.common TOY_CLASSES
# Written into every annotation file (``info.version``); raise it whenever
# the same arguments would write other files, so that ``--skip-current``
# rewrites data of an older version. 1 (no version written): every shape a
# plain annotation; 2: the same images, a shape less than MIN_VISIBLE
# visible (a small one under a larger one) is annotated iscrowd (ignored);
# 3: training shapes overlap up to MAX_IOU['train'] (val and test as 2).
DATA_VERSION = 3
MIN_VISIBLE = 0.5
# The largest box IoU of two shapes of one image, per split. The toy video's
# circle and triangle cross with IoU up to 0.48, the triangle in front; the
# make demo model trained on version 2 (0.2 everywhere) drew one box over
# both (seed 0, frame 6). The training split takes the video's overlaps;
# val and test keep 0.2 and so the images and boxes of version 2, which
# keeps their mAP comparable across versions.
MAX_IOU = dict(train=0.5, val=0.2, test=0.2)


def textured_background(rng: np.random.Generator, height: int,
                        width: int) -> np.ndarray:
    """Low-frequency colour noise plus faint stripes and pixel noise."""
    coarse = rng.uniform(40, 215, size=(4, 4, 3)).astype(np.float32)
    img = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    period = rng.uniform(6, 20)
    angle = rng.uniform(0, np.pi)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    stripes = np.sin((xx * np.cos(angle) + yy * np.sin(angle)) * 2 * np.pi /
                     period)
    img += stripes[..., None] * rng.uniform(5, 20)
    img += rng.normal(0, 6, size=img.shape)
    return img


def shape_mask(kind: str, size: int, rng: np.random.Generator) -> np.ndarray:
    """A binary mask (size x size) of one shape, touching its box edges."""
    mask = np.zeros((size, size), np.uint8)
    if kind == 'circle':
        cv2.circle(mask, (size // 2, size // 2), size // 2, 1, -1,
                   lineType=cv2.LINE_8)
    elif kind == 'square':
        mask[:, :] = 1
    else:
        jitter = int(rng.integers(-size // 4, size // 4 + 1))
        apex = (min(max(size // 2 + jitter, 0), size - 1), 0)
        pts = np.array([apex, (0, size - 1), (size - 1, size - 1)], np.int32)
        cv2.fillPoly(mask, [pts], 1)
    return mask


def paste(img: np.ndarray, mask: np.ndarray, x: int, y: int,
          colour: np.ndarray) -> List[float]:
    """Draw ``colour`` through ``mask`` at (x, y); return the tight xywh box
    of the visible pixels (clipped to the image)."""
    height, width = img.shape[:2]
    size = mask.shape[0]
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + size, width), min(y + size, height)
    sub = mask[y0 - y:y1 - y, x0 - x:x1 - x].astype(bool)
    region = img[y0:y1, x0:x1]
    region[sub] = colour
    ys, xs = np.nonzero(sub)
    return [float(x0 + xs.min()), float(y0 + ys.min()),
            float(xs.max() - xs.min() + 1), float(ys.max() - ys.min() + 1)]


def _iou(a: List[float], b: List[float]) -> float:
    ax1, ay1, ax2, ay2 = a[0], a[1], a[0] + a[2], a[1] + a[3]
    bx1, by1, bx2, by2 = b[0], b[1], b[0] + b[2], b[1] + b[3]
    iw = max(0.0, min(ax2, bx2) - max(ax1, bx1))
    ih = max(0.0, min(ay2, by2) - max(ay1, by1))
    inter = iw * ih
    return inter / (a[2] * a[3] + b[2] * b[3] - inter + 1e-9)


def random_colour(rng: np.random.Generator, background: np.ndarray,
                  x: int, y: int, size: int) -> np.ndarray:
    """A saturated colour that stands out from the background under it."""
    patch = background[max(y, 0):y + size, max(x, 0):x + size]
    mean = patch.reshape(-1, 3).mean(0) if patch.size else np.full(3, 128.)
    for _ in range(20):
        colour = rng.uniform(0, 255, size=3)
        colour[rng.integers(0, 3)] = rng.choice([15.0, 240.0])
        if np.abs(colour - mean).sum() > 180:
            return colour
    return 255.0 - mean


def make_image(rng: np.random.Generator, size: Tuple[int, int] = (128, 128),
               max_objects: int = 4,
               max_iou: float = 0.2) -> Tuple[np.ndarray, list]:
    """One image and its objects as (class index, xywh box, visible
    fraction).

    The boxes of two shapes overlap with an IoU below ``max_iou``; a
    later shape covers part of an earlier one (a small one can lie under a
    large one even below 0.2): the visible fraction is the share of a
    shape's pixels that no later shape covers (the box stays the whole
    shape's, as in the video's annotations).
    """
    height, width = size
    img = textured_background(rng, height, width)
    # which shape shows at each pixel (-1: background)
    owner = np.full((height, width), -1, np.int64)
    areas: List[int] = []
    objects = []
    for _ in range(int(rng.integers(1, max_objects + 1))):
        for _attempt in range(20):
            side = int(rng.integers(16, 49))
            x = int(rng.integers(0, width - side + 1))
            y = int(rng.integers(0, height - side + 1))
            box = [float(x), float(y), float(side), float(side)]
            if all(_iou(box, other) < max_iou for _, other in objects):
                break
        else:
            continue
        label = int(rng.integers(0, len(CLASSES)))
        colour = random_colour(rng, img, x, y, side)
        mask = shape_mask(CLASSES[label], side, rng)
        objects.append((label, paste(img, mask, x, y, colour)))
        owner[y:y + side, x:x + side][mask.astype(bool)] = len(objects) - 1
        areas.append(int(mask.sum()))
    visible = [float((owner == k).sum()) / area
               for k, area in enumerate(areas)]
    return np.clip(img, 0, 255).astype(np.uint8), [
        (label, box, fraction)
        for (label, box), fraction in zip(objects, visible)]


def darken(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A low-light version of an 8-bit image: a random gamma (1.5-3.5) and
    gain (0.08-0.4; one image in ten near black, 0.01-0.04), then
    sensor-like noise: shot noise growing with the signal and read noise,
    quantised to 8 bits."""
    x = np.clip(img, 0, 255).astype(np.float32) / 255
    near_black = rng.random() < 0.1
    gain = rng.uniform(0.01, 0.04) if near_black else rng.uniform(0.08, 0.4)
    x = gain * x**rng.uniform(1.5, 3.5)
    shot = rng.normal(size=x.shape) * np.sqrt(x * rng.uniform(0.002, 0.01))
    read = rng.normal(0, rng.uniform(0.002, 0.01), size=x.shape)
    return np.clip(np.round((x + shot + read) * 255), 0, 255).astype(
        np.uint8)


def dump_json(obj: dict, path: str) -> None:
    """Write ``path`` whole or not at all (an interrupted run leaves no
    half-written json behind)."""
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(obj, f)
    os.replace(tmp, path)


def stale_reason(out: str, seed: int, low_light: bool,
                 counts: dict) -> Optional[str]:
    """Why the data under ``out`` is not what these arguments write (missing
    files, another :data:`DATA_VERSION`, seed, darkening or image count),
    or None when it is."""
    if not osp.isfile(osp.join(out, 'video', 'shapes.json')):
        return f'{out}/video/shapes.json is missing'
    for split, count in counts.items():
        path = osp.join(out, 'annotations', f'{split}.json')
        if not osp.isfile(path):
            return f'{path} is missing'
        with open(path) as f:
            coco = json.load(f)
        info = coco.get('info', {})
        want = dict(version=DATA_VERSION, seed=seed, low_light=low_light)
        for key, value in want.items():
            if info.get(key) != value:
                return (f'{path} has info.{key}={info.get(key)!r}, these '
                        f'arguments write {value!r}')
        if len(coco.get('images', [])) != count:
            return (f'{path} has {len(coco.get("images", []))} images, '
                    f'these arguments write {count}')
    return None


def coco_skeleton(seed: int, low_light: bool) -> dict:
    return dict(
        info=dict(description='attnvision toy shapes', version=DATA_VERSION,
                  seed=seed, low_light=low_light),
        licenses=[],
        images=[],
        annotations=[],
        categories=[
            dict(id=i + 1, name=name, supercategory='shape')
            for i, name in enumerate(CLASSES)
        ])


def write_split(out: str, split: str, count: int,
                rng: np.random.Generator,
                dark_rng: Optional[np.random.Generator] = None,
                seed: int = 0, max_iou: float = 0.2) -> str:
    """Write ``count`` images and their COCO json; ``dark_rng`` darkens
    each image (:func:`darken`) without changing the shapes drawn;
    ``seed`` is recorded in the json (``info``); ``max_iou`` bounds the
    overlap of two shapes' boxes (:func:`make_image`)."""
    for folder in (split, 'annotations'):
        os.makedirs(osp.join(out, folder), exist_ok=True)
    coco = coco_skeleton(seed, dark_rng is not None)
    for index in range(count):
        img, objects = make_image(rng, max_iou=max_iou)
        if dark_rng is not None:
            img = darken(img, dark_rng)
        file_name = f'{index:05d}.png'
        cv2.imwrite(osp.join(out, split, file_name), img)
        image_id = index + 1
        coco['images'].append(
            dict(id=image_id, file_name=file_name, height=img.shape[0],
                 width=img.shape[1]))
        for label, box, visible in objects:
            # a shape mostly covered by later ones is COCO's "ignore"
            # (iscrowd): neither required nor a false positive when
            # detected, left out of training by mmdet's ignore flags
            coco['annotations'].append(
                dict(id=len(coco['annotations']) + 1, image_id=image_id,
                     category_id=label + 1, bbox=box, area=box[2] * box[3],
                     iscrowd=int(visible < MIN_VISIBLE)))
    path = osp.join(out, 'annotations', f'{split}.json')
    dump_json(coco, path)
    return path


def write_video(out: str, rng: np.random.Generator, frames: int = 48,
                size: Tuple[int, int] = (144, 192), fps: int = 10,
                dark_rng: Optional[np.random.Generator] = None) -> str:
    """Shapes moving in straight lines and bouncing off the borders."""
    height, width = size
    os.makedirs(osp.join(out, 'video'), exist_ok=True)
    background = textured_background(rng, height, width)
    tracks = []
    for track_id in range(3):
        side = int(rng.integers(24, 41))
        tracks.append(
            dict(id=track_id + 1, label=track_id % len(CLASSES), side=side,
                 pos=rng.uniform([0, 0], [width - side, height - side]),
                 vel=rng.uniform(-5, 5, size=2),
                 colour=random_colour(rng, background, 0, 0, width),
                 mask=shape_mask(CLASSES[track_id % len(CLASSES)], side,
                                 rng)))
    video_path = osp.join(out, 'video', 'shapes.mp4')
    writer = cv2.VideoWriter(video_path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (width, height))
    if not writer.isOpened():
        raise RuntimeError(f'OpenCV cannot write {video_path} (mp4v codec).')
    annotations = []
    for index in range(frames):
        frame = background.copy()
        objects = []
        for track in tracks:
            x, y = (int(round(v)) for v in track['pos'])
            box = paste(frame, track['mask'], x, y, track['colour'])
            objects.append(
                dict(track_id=track['id'], category=CLASSES[track['label']],
                     bbox=box))
            track['pos'] += track['vel']
            for axis, limit in ((0, width), (1, height)):
                if not 0 <= track['pos'][axis] <= limit - track['side']:
                    track['vel'][axis] *= -1
                    track['pos'][axis] = np.clip(track['pos'][axis], 0,
                                                 limit - track['side'])
        frame = np.clip(frame, 0, 255).astype(np.uint8)
        writer.write(frame if dark_rng is None else darken(frame, dark_rng))
        annotations.append(dict(frame=index, objects=objects))
    writer.release()
    dump_json(
        dict(video='shapes.mp4', fps=fps, width=width, height=height,
             bbox_format='xywh', frames=annotations),
        osp.join(out, 'video', 'shapes.json'))
    return video_path


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='data/toy', help='output folder')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--num-train', type=int, default=1000)
    parser.add_argument('--num-val', type=int, default=100)
    parser.add_argument('--num-test', type=int, default=100)
    parser.add_argument('--video-frames', type=int, default=48)
    parser.add_argument('--low-light', action='store_true',
                        help='darken every image (same shapes and boxes as '
                        'without this flag at the same seed)')
    parser.add_argument('--skip-current', action='store_true',
                        help='write nothing when --out already holds the '
                        'data these arguments write (same data version, '
                        'seed, darkening and counts); rewrite it otherwise')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    counts = dict(train=args.num_train, val=args.num_val,
                  test=args.num_test)
    if args.skip_current:
        reason = stale_reason(args.out, args.seed, args.low_light, counts)
        if reason is None:
            print(f'{args.out}: toy data version {DATA_VERSION}, seed '
                  f'{args.seed}, already written; nothing to do')
            return
        print(f'{args.out}: writing the toy data again ({reason})')
    os.makedirs(osp.join(args.out, 'annotations'), exist_ok=True)
    # one independent stream per part, so changing one count keeps the rest
    streams = np.random.SeedSequence(args.seed).spawn(4)
    # the darkening draws from streams of its own (the shapes stay the same)
    dark = [np.random.default_rng(s) if args.low_light else None
            for s in np.random.SeedSequence([args.seed, 1]).spawn(4)]
    for (split, count), stream, dark_rng in zip(counts.items(), streams,
                                                dark):
        path = write_split(args.out, split, count,
                           np.random.default_rng(stream), dark_rng,
                           args.seed, MAX_IOU[split])
        print(f'{split}: {count} images -> {path}')
    video = write_video(args.out, np.random.default_rng(streams[3]),
                        frames=args.video_frames, dark_rng=dark[3])
    print(f'video: {args.video_frames} frames -> {video}')


if __name__ == '__main__':
    main()
