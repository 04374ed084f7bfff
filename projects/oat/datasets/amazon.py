"""The STI Amazon book-cover search data as OAT uses it."""
import json
import os.path as osp
from typing import List, Optional

import numpy as np

from mmdet.registry import DATASETS
from .geometry import (assign_fixations, iou_one_to_many, reading_order,
                       uniform_grid_boxes)
from .object_scanpath import ObjectScanpathDataset, make_trial


def mask_boxes(mask_path: str) -> np.ndarray:
    """Boxes (x1, y1, x2, y2) of the white regions of a binary layout mask
    (external contours), as OAT's ``find_bounding_boxes``."""
    import cv2
    mask = cv2.imread(mask_path, cv2.IMREAD_GRAYSCALE)
    if mask is None:
        raise FileNotFoundError(f'cannot read layout mask {mask_path}')
    _, binary = cv2.threshold(mask, 127, 255, cv2.THRESH_BINARY)
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_SIMPLE)
    boxes = []
    for c in contours:
        x, y, w, h = cv2.boundingRect(c)
        boxes.append((x, y, x + w, y + h))
    return np.array(boxes, float).reshape(-1, 4)


@DATASETS.register_module()
class AmazonScanpathDataset(ObjectScanpathDataset):
    """STI Amazon book covers (Stauden et al., KI 2018; after Sattar et
    al.): 100 collages of 6 x 14 covers, one target cover each, the
    fixations of 6 participants (no durations).

    ``ann_file`` is ``Amazon.json``: ``{image: {"fixations": {subject:
    [[x, y], ...]}, "ground_truth": [{xmin, xmax, ymin, ymax}], "size":
    {height, width}, "target": "target_K.jpg"}}``. The collages go under
    ``data_prefix['img']``.

    The covers are the boxes of the official binary layout masks
    (``<mask_prefix>/14x6-<image>``, from OAT's data release) when
    ``mask_prefix`` is given, else the cells of a uniform 6 x 14 grid
    over the image; in both cases in reading order, row-major, so
    object k sits at grid (k // 14, k % 14). As OAT's preprocessing:
    fixations go to the cover that contains them, else the nearest
    centre; the target is the cover of largest IoU with ``ground_truth``;
    every participant's scanpath is one trial; scanpaths longer or shorter
    than mean +- 3 sigma are dropped (585 of 600 remain); the split is a
    fixed permutation cut 80 / 10 / 10, or the official permutation file
    (``split_file``, one trial index per line) when given.
    """
    ROWS, COLS = 6, 14

    def __init__(self, *args, mask_prefix: Optional[str] = None,
                 split_file: Optional[str] = None,
                 drop_outliers: bool = True, **kwargs):
        self.mask_prefix = mask_prefix
        self.split_file = split_file
        super().__init__(*args, drop_outliers=drop_outliers, **kwargs)

    def _covers(self, name: str, info: dict) -> np.ndarray:
        if self.mask_prefix:
            prefix = self.mask_prefix
            if self.data_root and not osp.isabs(prefix):
                prefix = osp.join(self.data_root, prefix)
            boxes = mask_boxes(osp.join(prefix, f'14x6-{name}'))
            if len(boxes) != self.ROWS * self.COLS:
                raise self._fail(name, f'its layout mask has {len(boxes)} '
                                 f'regions, expected {self.ROWS * self.COLS}')
            return boxes[reading_order(boxes)]
        return uniform_grid_boxes(info['size']['width'],
                                  info['size']['height'], self.ROWS,
                                  self.COLS)

    def load_data_list(self) -> List[dict]:
        with open(self.ann_file) as f:
            data = json.load(f)
        rows, cols = self.ROWS, self.COLS
        positions = np.stack([np.arange(rows * cols) // cols,
                              np.arange(rows * cols) % cols], 1)
        trials = []
        for name, info in data.items():
            for key in ('fixations', 'ground_truth', 'size'):
                if key not in info:
                    raise self._fail(name, f'has no "{key}"')
            boxes = self._covers(name, info)
            gt = info['ground_truth'][0]
            iou = iou_one_to_many(
                [gt['xmin'], gt['ymin'], gt['xmax'], gt['ymax']], boxes)
            if iou.max() <= 0:
                raise self._fail(name, 'ground_truth overlaps no cover')
            for subject, fix in info['fixations'].items():
                fix = np.asarray(fix, float).reshape(-1, 2)
                if len(fix) == 0:
                    raise self._fail(name, f'subject {subject} has no '
                                     f'fixations')
                trials.append(make_trial(
                    osp.join(self.data_prefix.get('img', ''), name),
                    info['size']['width'], info['size']['height'], boxes,
                    int(iou.argmax()), assign_fixations(fix, boxes),
                    positions, (rows, cols), fix,
                    trial_id=f'{osp.splitext(name)[0]}_{subject}',
                    subject=subject, task=info.get('target')))
        return self.select(trials)

    def select(self, trials: List[dict]) -> List[dict]:
        if self.split_file is None or self.split is None:
            return super().select(trials)
        split, self.split = self.split, None
        kept = super().select(trials)  # the outlier rule only
        self.split = split
        with open(self.split_file) as f:
            order = [int(line) for line in f if line.strip()]
        if sorted(order) != list(range(len(kept))):
            raise ValueError(f'{self.split_file}: expected a permutation of '
                             f'0..{len(kept) - 1} (the {len(kept)} kept '
                             f'trials), got {len(order)} indices')
        a, b = int(len(order) * 0.8), int(len(order) * 0.9)
        part = {'train': order[:a], 'val': order[a:b],
                'test': order[b:]}[split]
        return [kept[i] for i in part]
