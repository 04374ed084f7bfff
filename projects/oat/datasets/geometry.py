"""Objects, fixations and grid positions: the geometry OAT's
preprocessing uses (``img_feature_amazon.py``), and the mapping of free-form
boxes (e.g. a detector's) to grid positions."""
from typing import Optional, Sequence, Tuple

import numpy as np


def box_centres(boxes: np.ndarray) -> np.ndarray:
    boxes = np.asarray(boxes, float).reshape(-1, 4)
    return (boxes[:, :2] + boxes[:, 2:]) / 2


def assign_fixations(points: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """The object of each fixation: the first box (in the given order) that
    contains the point, borders included; else the box whose centre is
    nearest (OAT's rule)."""
    points = np.asarray(points, float).reshape(-1, 2)
    boxes = np.asarray(boxes, float).reshape(-1, 4)
    if len(boxes) == 0:
        raise ValueError('assign_fixations: no objects to assign to')
    inside = ((points[:, None, 0] >= boxes[None, :, 0])
              & (points[:, None, 0] <= boxes[None, :, 2])
              & (points[:, None, 1] >= boxes[None, :, 1])
              & (points[:, None, 1] <= boxes[None, :, 3]))
    dist = np.linalg.norm(points[:, None] - box_centres(boxes)[None], axis=2)
    nearest = dist.argmin(1)
    first_inside = inside.argmax(1)
    return np.where(inside.any(1), first_inside, nearest)


def iou_one_to_many(box: Sequence[float], boxes: np.ndarray) -> np.ndarray:
    """IoU of one (x1, y1, x2, y2) box with each of ``boxes``."""
    boxes = np.asarray(boxes, float).reshape(-1, 4)
    x1 = np.maximum(box[0], boxes[:, 0])
    y1 = np.maximum(box[1], boxes[:, 1])
    x2 = np.minimum(box[2], boxes[:, 2])
    y2 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-12)


def reading_order(boxes: np.ndarray, y_step: int = 10) -> np.ndarray:
    """Indices that sort boxes top to bottom (top edge quantised to
    ``y_step`` px), then left to right: OAT's order of the Amazon covers."""
    boxes = np.asarray(boxes, float).reshape(-1, 4)
    return np.array(sorted(range(len(boxes)),
                           key=lambda i: (boxes[i, 1] // y_step,
                                          boxes[i, 0])), dtype=int)


def uniform_grid_boxes(width: float, height: float, rows: int,
                       cols: int) -> np.ndarray:
    """The cells of a rows x cols grid over the image, row-major."""
    xs = np.linspace(0, width, cols + 1)
    ys = np.linspace(0, height, rows + 1)
    return np.array([[xs[c], ys[r], xs[c + 1], ys[r + 1]]
                     for r in range(rows) for c in range(cols)])


def _bands(values: np.ndarray, gap: float) -> np.ndarray:
    """Band index of each value: sorted values start a new band when they
    are more than ``gap`` above the previous one."""
    order = np.argsort(values, kind='stable')
    band = np.zeros(len(values), int)
    current = 0
    for prev, idx in zip(order[:-1], order[1:]):
        if values[idx] - values[prev] > gap:
            current += 1
        band[idx] = current
    return band


def grid_positions(boxes: np.ndarray, width: float, height: float,
                   max_size: int = 14,
                   layout: Optional[Tuple[int, int]] = None
                   ) -> Tuple[np.ndarray, Tuple[int, int]]:
    """Grid (row, col) of free-form boxes, and the grid's (rows, cols).

    With ``layout`` given, box centres are quantised to that grid over the
    image. Otherwise rows and columns are found from the boxes: sorted
    centre y (x) values start a new row (column) where they jump by more
    than half the median box height (width), which recovers the grid of a
    shelf or a collage. When that finds more than ``max_size`` rows or
    columns (the size of the position table), that axis is quantised to
    ``max_size`` equal bands over the image instead.
    """
    boxes = np.asarray(boxes, float).reshape(-1, 4)
    if len(boxes) == 0:
        raise ValueError('grid_positions: no boxes')
    centres = box_centres(boxes)
    if layout is not None:
        rows, cols = int(layout[0]), int(layout[1])
        r = np.clip((centres[:, 1] / height * rows).astype(int), 0, rows - 1)
        c = np.clip((centres[:, 0] / width * cols).astype(int), 0, cols - 1)
        return np.stack([r, c], 1), (rows, cols)
    out = []
    for axis, extent in ((1, height), (0, width)):
        size = boxes[:, axis + 2] - boxes[:, axis]
        band = _bands(centres[:, axis], 0.5 * max(np.median(size), 1.0))
        if band.max() + 1 > max_size:
            band = np.clip((centres[:, axis] / extent * max_size).astype(int),
                           0, max_size - 1)
        out.append(band)
    pos = np.stack(out, 1)
    return pos, (int(pos[:, 0].max()) + 1, int(pos[:, 1].max()) + 1)
