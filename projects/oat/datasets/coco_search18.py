"""COCO-Search18 (Chen et al., Sci. Rep. 2021; Yang et al., CVPR 2020)
scanpaths over COCO's instance boxes."""
import json
import os.path as osp
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.logging import print_log

from mmdet.registry import DATASETS
from .geometry import assign_fixations, grid_positions, iou_one_to_many
from .object_scanpath import ObjectScanpathDataset, make_trial

_SPLIT_NAMES = {'train': 'train', 'valid': 'val', 'val': 'val',
                'test': 'test'}


def screen_to_image(xy: np.ndarray, width: float, height: float,
                    screen: Tuple[int, int] = (1680, 1050),
                    padding: str = 'center') -> np.ndarray:
    """Map points on the experiment screen back to the COCO image: the image
    was scaled by min(screen_w / w, screen_h / h), aspect ratio kept, and
    zero-padded (centred, or only at the right and bottom)."""
    scale = min(screen[0] / width, screen[1] / height)
    if padding == 'center':
        offset = np.array([(screen[0] - width * scale) / 2,
                           (screen[1] - height * scale) / 2])
    elif padding == 'bottom_right':
        offset = np.zeros(2)
    else:
        raise ValueError(f"padding must be 'center' or 'bottom_right', got "
                         f'{padding!r}')
    return (np.asarray(xy, float).reshape(-1, 2) - offset) / scale


@DATASETS.register_module()
class COCOSearch18Dataset(ObjectScanpathDataset):
    """COCO-Search18 target-present search scanpaths, with the COCO
    instances of each image as the objects.

    ``ann_file`` is an official fixation file (a list of records with
    ``name``, ``subject``, ``task``, ``condition``, ``bbox`` (target,
    x y w h), ``X``, ``Y``, ``T``, ``split``, on the 1680 x 1050 screen);
    ``instances_file`` is COCO's instances json holding those images
    (matched by the number in ``name``), or a list of them (COCO 2017's
    train and val together hold every COCO 2014 image), with
    ``img_dirs`` the image folder of each (default: ``data_prefix['img']``). Fixations and the target box are
    mapped back to the image (:func:`screen_to_image`); the target object is
    the instance of largest IoU with it; objects get grid positions by
    :func:`grid_positions`. Target-absent records are skipped (OAT needs a
    target object) and counted in the log. ``split`` filters the records'
    own split ('valid' is 'val').
    """

    def __init__(self, *args,
                 instances_file: Union[str, Sequence[str]] = '',
                 img_dirs: Optional[Sequence[str]] = None,
                 screen: Tuple[int, int] = (1680, 1050),
                 padding: str = 'center', **kwargs):
        self.instances_files = ([instances_file] if isinstance(
            instances_file, str) else list(instances_file))
        self.img_dirs = img_dirs
        self.screen = tuple(screen)
        self.padding = padding
        super().__init__(*args, **kwargs)

    def _instances(self):
        if self.img_dirs is None:  # data_prefix is joined with data_root
            dirs = [self.data_prefix.get('img', '')] * len(
                self.instances_files)
        else:
            dirs = [osp.join(self.data_root or '', d) for d in self.img_dirs]
        if len(dirs) != len(self.instances_files):
            raise ValueError(f'COCOSearch18Dataset: {len(dirs)} img_dirs for '
                             f'{len(self.instances_files)} instances files')
        images, boxes, paths = {}, {}, []
        for path, folder in zip(self.instances_files, dirs):
            if self.data_root and path and not osp.isabs(path):
                path = osp.join(self.data_root, path)
            paths.append(path)
            with open(path) as f:
                coco = json.load(f)
            for im in coco['images']:
                images[im['id']] = dict(im, path=osp.join(
                    folder, im['file_name']))
            for a in coco['annotations']:
                if a.get('iscrowd', 0):
                    continue
                x, y, w, h = a['bbox']
                boxes.setdefault(a['image_id'], []).append(
                    [x, y, x + w, y + h])
        return ' / '.join(paths), images, boxes

    def load_data_list(self) -> List[dict]:
        with open(self.ann_file) as f:
            records = json.load(f)
        inst_path, images, inst_boxes = self._instances()
        trials, absent = [], 0
        for k, rec in enumerate(records):
            where = f'record {k} ({rec.get("name")}, subject ' \
                    f'{rec.get("subject")})'
            if rec.get('condition', 'present') != 'present':
                absent += 1
                continue
            for key in ('name', 'bbox', 'X', 'Y'):
                if key not in rec:
                    raise self._fail(where, f'has no "{key}"')
            image_id = int(osp.splitext(rec['name'])[0].split('_')[-1])
            if image_id not in images:
                raise self._fail(where, f'image {image_id} is not in '
                                 f'{inst_path}; give the instances file of '
                                 f'its COCO split')
            if image_id not in inst_boxes:
                raise self._fail(where, f'image {image_id} has no instance '
                                 f'boxes in {inst_path}')
            image = images[image_id]
            w, h = image['width'], image['height']
            boxes = np.array(inst_boxes[image_id], float)
            fix = screen_to_image(np.stack([rec['X'], rec['Y']], 1), w, h,
                                  self.screen, self.padding)
            bx, by, bw, bh = rec['bbox']
            corners = screen_to_image([[bx, by], [bx + bw, by + bh]], w, h,
                                      self.screen, self.padding).reshape(-1)
            iou = iou_one_to_many(corners, boxes)
            if iou.max() <= 0:
                raise self._fail(where, 'its target bbox overlaps no COCO '
                                 'instance of the image')
            pos, layout = grid_positions(boxes, w, h, self.max_grid)
            trials.append(make_trial(
                image['path'], w, h, boxes,
                int(iou.argmax()), assign_fixations(fix, boxes), pos, layout,
                fix, trial_id=k, subject=rec.get('subject'),
                task=rec.get('task'),
                split=_SPLIT_NAMES.get(rec.get('split'), rec.get('split'))))
        if absent:
            print_log(f'{osp.basename(self.ann_file)}: skipped {absent} '
                      f'target-absent records (no target object)',
                      logger='current')
        return self.select(trials)
