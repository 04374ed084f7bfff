"""OAT over any image: objects from a detector, a predicted scanpath, and
its drawing (beyond the paper, which needs a grid of objects)."""
from typing import List, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.structures import BaseDataElement

from .datasets.geometry import box_centres, grid_positions
from .datasets.transforms import crop_objects


def predict_scanpath(model, image: np.ndarray, boxes: np.ndarray,
                     target: int, mode: str = 'greedy') -> dict:
    """The fixation sequence of OAT ``model`` over ``boxes`` of ``image``
    (BGR, as read by OpenCV) toward object ``target``.

    Grid positions: box centres quantised to the rows and columns found
    from the boxes (:func:`grid_positions`, at most the model's table
    size); the objects are then cropped and encoded as in training.

    Returns:
        dict: ``path`` (object indices), ``positions`` and ``layout``.
    """
    boxes = np.asarray(boxes, float).reshape(-1, 4)
    if not 0 <= target < len(boxes):
        raise ValueError(f'target {target} is not one of the {len(boxes)} '
                         f'objects')
    h, w = image.shape[:2]
    pos, layout = grid_positions(boxes, w, h, model.position.size)
    crops = crop_objects(image, boxes, model.crop_size)
    sample = BaseDataElement(positions=pos, target=target, layout=layout)
    inputs = torch.from_numpy(np.ascontiguousarray(
        crops.transpose(0, 3, 1, 2)))
    data = model.data_preprocessor(
        dict(inputs=[inputs], data_samples=[sample]), False)
    model.eval()
    path = model.generate(data['inputs'], mode)[0]
    return dict(path=path, positions=pos, layout=layout)


def draw_scanpath(image: np.ndarray, boxes: np.ndarray, path: Sequence[int],
                  target: int, labels: Optional[List[str]] = None
                  ) -> np.ndarray:
    """A copy of ``image`` (BGR) with the objects (grey), the target
    (green) and the fixations numbered 1..T at the object centres, joined
    by arrows; consecutive refixations share one marker ("2-5")."""
    out = image.copy()
    boxes = np.asarray(boxes, float).reshape(-1, 4)
    scale = max(1.0, max(out.shape[:2]) / 640)
    thick = max(1, int(round(2 * scale)))
    for i, (x1, y1, x2, y2) in enumerate(boxes.astype(int)):
        colour = (60, 200, 60) if i == target else (170, 170, 170)
        cv2.rectangle(out, (x1, y1), (x2, y2), colour,
                      thick + (i == target))
        if labels is not None and i == target:
            cv2.putText(out, f'target: {labels[i]}', (x1, max(12, y1 - 4)),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.5 * scale, colour,
                        thick)
    centres = box_centres(boxes)
    # one marker per run of refixations ("2-5"); a revisit of an object is
    # set a little aside so both markers stay readable
    runs, visits = [], {}
    for n, obj in enumerate(path, 1):
        if runs and runs[-1][0] == obj:
            runs[-1][2] = n
            continue
        k = visits.get(obj, 0)
        visits[obj] = k + 1
        angle = 2.4 * k
        offset = 10 * scale * min(k, 3) * np.array([np.cos(angle),
                                                   np.sin(angle)])
        runs.append([obj, n, n, centres[obj] + offset])
    points = [tuple(int(v) for v in np.round(r[3])) for r in runs]
    for a, b in zip(points[:-1], points[1:]):
        cv2.arrowedLine(out, a, b, (0, 140, 255), thick, tipLength=0.15)
    radius = int(11 * scale)
    for (obj, first, last, _), p in zip(runs, points):
        text = str(first) if first == last else f'{first}-{last}'
        size = 0.45 * scale * (1 if len(text) < 3 else 0.8)
        cv2.circle(out, p, radius + 3 * (len(text) > 2), (0, 90, 230), -1)
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, size,
                                      1)
        cv2.putText(out, text, (p[0] - tw // 2, p[1] + th // 2),
                    cv2.FONT_HERSHEY_SIMPLEX, size, (255, 255, 255),
                    max(1, thick - 1))
    return out
