"""VOT-style folders (Kristan et al., VOT challenges): ``<root>/<seq>/``
with the frames and ``groundtruth.txt`` (boxes or rotated polygons)."""
import os
import os.path as osp
from typing import List

from projects.common.utils.image_files import list_images
from .checks import (complete_boxes, finish_record, images_or_error,
                     parse_boxes, read_lines, require_dir, require_file)

VOT_LAYOUT = 'VOT layout <root>/<seq>/{%08d.jpg,groundtruth.txt}'


def _vot_image_dir(seq_dir: str) -> str:
    for sub in ('color', 'imgs', 'img'):
        path = osp.join(seq_dir, sub)
        if osp.isdir(path) and list_images(path):
            return path
    return seq_dir


def load_vot(root: str) -> List[dict]:
    """VOT-style folders: ``<root>/<seq>/`` with the images (``%08d.jpg``
    or any *.jpg/*.png sorted by name, directly or in ``color/``, ``imgs/``
    or ``img/``) and ``groundtruth.txt`` with 4 (x,y,w,h) or 8 (rotated
    polygon x1,y1,...,x4,y4 -> its min/max box) numbers a line; NaN means
    no box. ``<root>/list.txt``, when present, names the sequences;
    ``root`` may also be one sequence folder.
    """
    require_dir(root, VOT_LAYOUT)
    if osp.isfile(osp.join(root, 'groundtruth.txt')):
        seq_dirs = [root]
    elif osp.isfile(osp.join(root, 'list.txt')):
        seq_dirs = [osp.join(root, line.strip())
                    for line in read_lines(osp.join(root, 'list.txt'))
                    if line.strip()]
    else:
        seq_dirs = [osp.join(root, d) for d in sorted(os.listdir(root))
                    if osp.isfile(osp.join(root, d, 'groundtruth.txt'))]
        if not seq_dirs:
            raise FileNotFoundError(
                f'{root}: no <seq>/groundtruth.txt; expected {VOT_LAYOUT}')
    records = []
    for seq_dir in seq_dirs:
        require_dir(seq_dir, VOT_LAYOUT)
        gt_path = require_file(osp.join(seq_dir, 'groundtruth.txt'),
                                VOT_LAYOUT)
        img_dir = _vot_image_dir(seq_dir)
        frames = images_or_error(img_dir, VOT_LAYOUT)
        boxes = parse_boxes(gt_path, (4, 8), VOT_LAYOUT)
        boxes = complete_boxes(gt_path, boxes, frames, img_dir, False)
        records.append(
            finish_record(osp.basename(osp.normpath(seq_dir)), frames, boxes,
                    len(boxes)))
    return records

