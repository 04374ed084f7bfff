"""STARK-style crops of single-object tracking (as MixFormer's official
``sample_target`` / ``transform_image_to_crop`` / ``clip_box``).

Boxes are (x, y, w, h) in pixels unless said otherwise.
"""
import math
from typing import Sequence, Tuple

import cv2
import numpy as np


def crop_around(image: np.ndarray, box: Sequence[float], factor: float,
                out_size: int) -> Tuple[np.ndarray, float, np.ndarray]:
    """Square crop of side ``ceil(sqrt(w * h) * factor)`` centred on the
    box, zero-padded outside the image and resized to ``out_size``.

    As the official code, the right / bottom padding is
    ``max(x2 - W + 1, 0)`` (the last column / row is replaced by padding
    when the crop crosses that border).

    Returns:
        tuple: crop (out_size, out_size, C), resize factor
        ``out_size / crop_side``, padding mask (True = padding).

    Raises:
        ValueError: when the crop side is below one pixel.
    """
    x, y, w, h = [float(v) for v in box]
    side = math.ceil(math.sqrt(w * h) * factor)
    if side < 1:
        raise ValueError(f'crop_around: box {list(box)} is too small to '
                         f'crop (side {side}).')
    x1 = int(round(x + 0.5 * w - side * 0.5))
    y1 = int(round(y + 0.5 * h - side * 0.5))
    x2, y2 = x1 + side, y1 + side
    ih, iw = image.shape[:2]
    pl, pt = max(0, -x1), max(0, -y1)
    pr, pb = max(x2 - iw + 1, 0), max(y2 - ih + 1, 0)
    patch = image[y1 + pt:y2 - pb, x1 + pl:x2 - pr]
    patch = cv2.copyMakeBorder(patch, pt, pb, pl, pr, cv2.BORDER_CONSTANT)
    mask = np.ones(patch.shape[:2], np.float64)
    mask[pt:patch.shape[0] - pb, pl:patch.shape[1] - pr] = 0
    patch = cv2.resize(patch, (out_size, out_size))
    mask = cv2.resize(mask, (out_size, out_size)).astype(bool)
    return patch, out_size / side, mask


def box_in_crop(box: Sequence[float], crop_box: Sequence[float],
                resize_factor: float, out_size: int) -> np.ndarray:
    """Normalised (x, y, w, h) of ``box`` inside the crop made around
    ``crop_box`` (official ``transform_image_to_crop``: the crop centre maps
    to ``(out_size - 1) / 2``)."""
    box = np.asarray(box, np.float64)
    crop_box = np.asarray(crop_box, np.float64)
    centre = box[:2] + 0.5 * box[2:]
    crop_centre = crop_box[:2] + 0.5 * crop_box[2:]
    centre_out = (out_size - 1) / 2 + (centre - crop_centre) * resize_factor
    wh = box[2:] * resize_factor
    return np.concatenate([centre_out - 0.5 * wh, wh]) / out_size


def jitter_box(box: Sequence[float], scale_jitter: float,
               centre_jitter: float, rng: np.random.Generator) -> np.ndarray:
    """Official search-box jitter: size times ``exp(N(0,1) * s)`` per axis,
    centre moved by ``sqrt(w' h') * c * (U(0,1) - 0.5)`` per axis."""
    box = np.asarray(box, np.float64)
    wh = box[2:] * np.exp(rng.standard_normal(2) * scale_jitter)
    max_offset = math.sqrt(wh.prod()) * centre_jitter
    centre = box[:2] + 0.5 * box[2:] + max_offset * (rng.random(2) - 0.5)
    return np.concatenate([centre - 0.5 * wh, wh])


def map_box_back(pred_cxcywh: Sequence[float], prev_box: Sequence[float],
                 resize_factor: float, search_size: int) -> np.ndarray:
    """Normalised (cx, cy, w, h) in the search crop -> (x, y, w, h) in the
    image (official ``map_box_back``: the crop centre is ``crop / 2``)."""
    cx, cy, w, h = np.asarray(pred_cxcywh, np.float64) * search_size / \
        resize_factor
    px, py, pw, ph = prev_box
    half = 0.5 * search_size / resize_factor
    cx = cx + (px + 0.5 * pw - half)
    cy = cy + (py + 0.5 * ph - half)
    return np.array([cx - 0.5 * w, cy - 0.5 * h, w, h])


def clip_box(box: Sequence[float], height: int, width: int,
             margin: int = 10) -> np.ndarray:
    """Official ``clip_box``: keep at least ``margin`` pixels inside."""
    x1, y1, w, h = box
    x2, y2 = x1 + w, y1 + h
    x1 = min(max(0, x1), width - margin)
    x2 = min(max(margin, x2), width)
    y1 = min(max(0, y1), height - margin)
    y2 = min(max(margin, y2), height)
    return np.array([x1, y1, max(margin, x2 - x1), max(margin, y2 - y1)])
