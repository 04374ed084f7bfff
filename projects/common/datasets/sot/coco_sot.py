"""COCO boxes as one-frame SOT sequences (tracker training data)."""
import json
import os.path as osp
from typing import List

from .checks import make_record, require_fields, require_file


def load_coco_sot(root: str,
                  ann_file: str = 'annotations/instances_train2017.json',
                  img_prefix: str = 'train2017') -> List[dict]:
    """COCO as single-object-tracking data (as MixFormer / STARK train on
    COCO 2017): every non-crowd box with positive size is a one-frame
    sequence named ``<image id>-<annotation id>``."""
    path = ann_file if osp.isabs(ann_file) else osp.join(root, ann_file)
    require_file(path, '<root>/annotations/instances_train2017.json')
    with open(path) as f:
        coco = json.load(f)
    require_fields(coco, ('images', 'annotations'), path,
                   'not a COCO instances file')
    images = {img['id']: img for img in coco['images']}
    records = []
    for ann in coco['annotations']:
        x, y, w, h = ann['bbox']
        if ann.get('iscrowd', 0) or w <= 0 or h <= 0:
            continue
        if ann['image_id'] not in images:
            raise ValueError(f'{path}: annotation {ann["id"]} refers to '
                             f'image {ann["image_id"]}, which is not listed '
                             f'in "images"')
        name = images[ann['image_id']]['file_name']
        records.append(make_record(
            f'{ann["image_id"]}-{ann["id"]}',
            [osp.join(root, img_prefix, name)], [[x, y, w, h]], [True]))
    return records

