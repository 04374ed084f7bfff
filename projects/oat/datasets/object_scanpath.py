"""Scanpaths over the objects of images: the generic dataset of OAT."""
import json
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from mmdet.registry import DATASETS
from .geometry import (assign_fixations, grid_positions, iou_one_to_many,
                       reading_order)

SPLITS = ('train', 'val', 'test')


def split_indices(num: int, split: str, seed: int = 0,
                  ratios: Sequence[float] = (0.8, 0.1, 0.1)) -> np.ndarray:
    """OAT's split: one fixed permutation of the trials; the first 80% is
    train, the next 10% val, the last 10% test."""
    if split not in SPLITS:
        raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
    perm = np.random.default_rng(seed).permutation(num)
    a = int(num * ratios[0])
    b = int(num * (ratios[0] + ratios[1]))
    return {'train': perm[:a], 'val': perm[a:b], 'test': perm[b:]}[split]


def length_filter(lengths: Sequence[int], sigmas: float = 3.0) -> np.ndarray:
    """Keep mask of OAT's outlier rule: lengths within mean +- 3 sigma."""
    lengths = np.asarray(lengths, float)
    mean, std = lengths.mean(), lengths.std()
    return (lengths >= mean - sigmas * std) & (lengths <= mean + sigmas * std)


def make_trial(img_path: str, width: float, height: float,
               boxes: np.ndarray, target: int, scanpath: Sequence[int],
               positions: np.ndarray, layout, fixations=None,
               **info) -> dict:
    """One dataset entry; every loader here builds these."""
    return dict(img_path=img_path, width=float(width), height=float(height),
                boxes=np.asarray(boxes, np.float32).reshape(-1, 4),
                target=int(target),
                scanpath=np.asarray(scanpath, np.int64),
                positions=np.asarray(positions, np.int64).reshape(-1, 2),
                layout=(int(layout[0]), int(layout[1])),
                fixations=None if fixations is None else np.asarray(
                    fixations, np.float32).reshape(-1, 2),
                **info)


@DATASETS.register_module()
class ObjectScanpathDataset(BaseDataset):
    """Visual-search scanpaths over the objects of images.

    The annotation file is COCO-style JSON with a ``scanpaths`` list::

        {"images": [{"id", "file_name", "width", "height",
                     "layout": [rows, cols] (optional)}],
         "annotations": [{"id", "image_id", "bbox": [x, y, w, h],
                          "grid": [row, col] (optional)}],
         "scanpaths": [{"image_id", "target_id": annotation id
                        (or "target_bbox": [x, y, w, h]),
                        "fixations": [[x, y], ...],
                        "subject" (optional), "split" (optional)}]}

    The objects of an image are its annotations in reading order. Each
    fixation goes to the object whose box contains it, else to the nearest
    box centre (OAT's rule). A ``target_bbox`` goes to the object of
    largest IoU. Grid positions come from ``grid`` or from
    :func:`grid_positions` (layout from ``layout``, else found from the
    boxes).

    Args:
        ann_file (str): the JSON above.
        split (str, optional): 'train', 'val' or 'test': records with a
            ``split`` field are filtered by it; otherwise OAT's split, a
            fixed permutation (``split_seed``) cut 80 / 10 / 10.
        split_seed (int): seed of that permutation.
        drop_outliers (bool): drop scanpaths longer or shorter than mean
            +- 3 sigma (over all records, before the split), as OAT's
            Amazon preprocessing.
        max_grid (int): the position table size; a found layout with more
            rows or columns is quantised to it.
    """
    METAINFO = dict(task='visual search scanpaths')

    def __init__(self, *args, split: Optional[str] = None,
                 split_seed: int = 0, drop_outliers: bool = False,
                 max_grid: int = 14, **kwargs):
        self.split = split
        self.split_seed = split_seed
        self.drop_outliers = drop_outliers
        self.max_grid = max_grid
        super().__init__(*args, **kwargs)

    # -------------------------------------------------------------- helpers
    def _fail(self, where: str, problem: str) -> ValueError:
        return ValueError(f'{self.ann_file}: {where}: {problem}')

    def _image_objects(self, image: dict, anns: List[dict]):
        where = f'image id {image.get("id")}'
        if not anns:
            raise self._fail(where, 'has no annotations (objects); every '
                             'image with scanpaths needs its object boxes')
        xywh = np.array([a['bbox'] for a in anns], float).reshape(-1, 4)
        boxes = np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], 1)
        order = reading_order(boxes)
        anns = [anns[i] for i in order]
        boxes = boxes[order]
        if all('grid' in a for a in anns):
            pos = np.array([a['grid'] for a in anns], int)
            layout = image.get('layout') or (int(pos[:, 0].max()) + 1,
                                             int(pos[:, 1].max()) + 1)
        else:
            pos, layout = grid_positions(boxes, image['width'],
                                         image['height'], self.max_grid,
                                         image.get('layout'))
        if max(layout) > self.max_grid:
            raise self._fail(where, f'layout {tuple(layout)} exceeds the '
                             f'position table size max_grid={self.max_grid};'
                             f' fit a larger table and raise max_grid')
        return anns, boxes, pos, layout

    def _target_index(self, rec: dict, anns: List[dict], boxes, where: str):
        if 'target_id' in rec:
            ids = [a['id'] for a in anns]
            if rec['target_id'] not in ids:
                raise self._fail(where, f'target_id {rec["target_id"]} is '
                                 f'not an annotation of image '
                                 f'{rec["image_id"]}')
            return ids.index(rec['target_id'])
        if 'target_bbox' in rec:
            x, y, w, h = rec['target_bbox']
            iou = iou_one_to_many([x, y, x + w, y + h], boxes)
            if iou.max() <= 0:
                raise self._fail(where, 'target_bbox overlaps no object box')
            return int(iou.argmax())
        raise self._fail(where, 'needs "target_id" or "target_bbox"')

    # ----------------------------------------------------------------- load
    def load_data_list(self) -> List[dict]:
        with open(self.ann_file) as f:
            data = json.load(f)
        for key in ('images', 'annotations', 'scanpaths'):
            if key not in data:
                raise self._fail('top level', f'no "{key}" list')
        images = {im['id']: im for im in data['images']}
        anns = {}
        for a in data['annotations']:
            anns.setdefault(a['image_id'], []).append(a)
        objects = {}
        trials = []
        for k, rec in enumerate(data['scanpaths']):
            where = f'scanpaths[{k}]'
            if rec.get('image_id') not in images:
                raise self._fail(where, f'image_id {rec.get("image_id")!r} '
                                 f'is not in "images"')
            fix = np.asarray(rec.get('fixations', []), float).reshape(-1, 2)
            if len(fix) == 0:
                raise self._fail(where, 'has no fixations')
            image = images[rec['image_id']]
            if image['id'] not in objects:
                objects[image['id']] = self._image_objects(
                    image, anns.get(image['id'], []))
            img_anns, boxes, pos, layout = objects[image['id']]
            target = self._target_index(rec, img_anns, boxes, where)
            trials.append(make_trial(
                osp.join(self.data_prefix.get('img', ''),
                         image['file_name']),
                image['width'], image['height'], boxes, target,
                assign_fixations(fix, boxes), pos, layout, fix,
                trial_id=rec.get('id', k), subject=rec.get('subject'),
                split=rec.get('split')))
        return self.select(trials)

    def select(self, trials: List[dict]) -> List[dict]:
        """OAT's outlier rule, then the split."""
        if self.drop_outliers and trials:
            keep = length_filter([len(t['scanpath']) for t in trials])
            if not keep.all():
                print_log(f'{osp.basename(self.ann_file)}: dropped '
                          f'{int((~keep).sum())} of {len(trials)} scanpaths '
                          f'outside mean +- 3 sigma of the length (OAT\'s '
                          f'rule)', logger='current')
            trials = [t for t, k in zip(trials, keep) if k]
        if self.split is None:
            return trials
        if all(t.get('split') for t in trials):
            return [t for t in trials if t['split'] == self.split]
        idx = split_indices(len(trials), self.split, self.split_seed)
        return [trials[i] for i in sorted(idx)]

    @property
    def longest_scanpath(self) -> int:
        """The longest scanpath here (OAT decodes at most this many
        fixations, from its training split)."""
        return max(len(self.get_data_info(i)['scanpath'])
                   for i in range(len(self)))
