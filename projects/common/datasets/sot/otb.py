"""OTB-style folders (Wu et al., TPAMI 2015; also UAV123 and similar):
``<root>/<seq>/img/`` and ``groundtruth_rect.txt``."""
import glob
import os
import os.path as osp
from typing import Dict, List, Optional, Tuple

from .checks import (complete_boxes, finish_record, images_or_error,
                     parse_boxes, require_dir, require_file)

OTB_LAYOUT = 'OTB layout <root>/<seq>/{img/%04d.jpg,groundtruth_rect.txt}'


def _otb_gt_files(seq_dir: str) -> List[Tuple[str, str]]:
    """(suffix, path) of the annotation files of one OTB folder: the usual
    groundtruth_rect.txt, or groundtruth_rect.<k>.txt for sequences with
    several targets (Jogging, Skating2)."""
    single = osp.join(seq_dir, 'groundtruth_rect.txt')
    if osp.isfile(single):
        return [('', single)]
    multi = []
    for path in glob.glob(osp.join(seq_dir, 'groundtruth_rect.*.txt')):
        k = osp.basename(path)[len('groundtruth_rect.'):-len('.txt')]
        if k.isdigit():
            multi.append((f'-{k}', path))
    return sorted(multi, key=lambda item: int(item[0][1:]))


def load_otb(root: str,
             start_frames: Optional[Dict[str, int]] = None) -> List[dict]:
    """OTB-style folders: ``<root>/<seq>/img/%04d.jpg`` (or the images in
    ``<seq>/`` itself) and ``groundtruth_rect.txt`` (x,y,w,h separated by
    commas, tabs or spaces). ``groundtruth_rect.<k>.txt`` gives one
    sequence ``<seq>-<k>`` per target. ``root`` may also be one sequence
    folder.

    Args:
        start_frames: Optional ``{video_name: first annotated 1-based
            frame}`` for sequences whose annotation starts after the first
            image (the frames used are then ``start .. start + lines - 1``).
    """
    require_dir(root, OTB_LAYOUT)
    start_frames = dict(start_frames or {})
    if _otb_gt_files(root):
        seq_dirs = [root]
    else:
        seq_dirs = [osp.join(root, d) for d in sorted(os.listdir(root))
                    if osp.isdir(osp.join(root, d))]
        seq_dirs = [d for d in seq_dirs
                    if _otb_gt_files(d) or osp.isdir(osp.join(d, 'img'))]
        if not seq_dirs:
            raise FileNotFoundError(
                f'{root}: no sequence folders with groundtruth_rect.txt; '
                f'expected {OTB_LAYOUT}')
    records = []
    for seq_dir in seq_dirs:
        seq = osp.basename(osp.normpath(seq_dir))
        gt_files = _otb_gt_files(seq_dir)
        if not gt_files:
            require_file(osp.join(seq_dir, 'groundtruth_rect.txt'),
                          OTB_LAYOUT)
        img_dir = osp.join(seq_dir, 'img')
        if not osp.isdir(img_dir):
            img_dir = seq_dir
        all_frames = images_or_error(img_dir, OTB_LAYOUT)
        for suffix, gt_path in gt_files:
            name = seq + suffix
            boxes = parse_boxes(gt_path, (4, ), OTB_LAYOUT)
            frames = all_frames
            start = start_frames.get(name, start_frames.get(seq))
            if start is not None:
                if not 1 <= start <= len(all_frames):
                    raise ValueError(
                        f'start_frames[{name!r}] = {start}: outside 1..'
                        f'{len(all_frames)} (the images in {img_dir})')
                frames = all_frames[start - 1:start - 1 + len(boxes)]
            boxes = complete_boxes(
                gt_path, boxes, frames, img_dir, False,
                fix='if the annotation starts at a later image (e.g. OTB '
                f'David), pass start_frames={{{name!r}: <first annotated '
                '1-based frame>}')
            records.append(finish_record(name, frames, boxes, len(boxes)))
    return records

