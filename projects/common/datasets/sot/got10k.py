"""GOT-10k (Huang et al., TPAMI 2021): ``<root>/{train,val,test}/`` with
one folder per sequence, absence and cover labels."""
import os
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np

from .checks import (complete_boxes, finish_record, images_or_error,
                     parse_boxes, parse_flags, read_lines, require_dir,
                     require_file)

GOT10K_LAYOUT = ('GOT-10k layout '
                 '<root>/{train,val,test}/GOT-10k_<Split>_<6-digit id>/')


def load_got10k(root: str, split: str = 'val',
                split_file: Optional[str] = None,
                video_names: Optional[Sequence[str]] = None) -> List[dict]:
    """GOT-10k: ``<root>/<split>/list.txt`` naming the sequence folders
    ``GOT-10k_<Split>_<6-digit id>/`` with ``%08d.jpg``, ``groundtruth.txt``
    (x,y,w,h; only the first line in the test split), ``absence.label``
    (0/1 a line) and ``cover.label`` (0-8 a line).

    ``visible = not absence and cover > 0`` when the label files exist;
    without them (test split) only the first box is known.

    ``split_file`` selects sequences by 0-based index into ``list.txt``,
    one per line, as the official trackers' ``got10k_vot_train_split.txt``
    (7,086 of the 9,335 training videos); ``video_names`` selects them by
    folder name.
    """
    split = str(split).lower()
    if split not in ('train', 'val', 'test'):
        raise ValueError(f'GOT-10k split {split!r}: use train, val or test')
    require_dir(root, GOT10K_LAYOUT)
    split_dir = osp.join(root, split)
    require_dir(split_dir, GOT10K_LAYOUT)
    list_path = osp.join(split_dir, 'list.txt')
    if osp.isfile(list_path):
        names = [line.strip() for line in read_lines(list_path)]
        names = [n for n in names if n]
    else:
        names = sorted(n for n in os.listdir(split_dir)
                       if n.startswith('GOT-10k_')
                       and osp.isdir(osp.join(split_dir, n)))
        if not names:
            require_file(list_path, f'{GOT10K_LAYOUT} and <split>/list.txt '
                          'naming the sequence folders')
    if video_names is not None:
        names = list(video_names)
    elif split_file is not None:
        path = split_file if osp.isabs(split_file) or osp.isfile(
            split_file) else osp.join(root, split_file)
        require_file(path, 'a split file of 0-based indices into '
                      '<split>/list.txt, one per line')
        picked = []
        for line_no, line in enumerate(read_lines(path), 1):
            if not line.strip():
                continue
            try:
                index = int(line.strip())
                picked.append(names[index])
            except (ValueError, IndexError):
                raise ValueError(
                    f'{path} line {line_no}: {line.strip()!r} is not an '
                    f'index into the {len(names)} sequences of '
                    f'{list_path}') from None
        names = picked
    records = []
    for line_no, name in enumerate(names, 1):
        seq_dir = osp.join(split_dir, name)
        if not osp.isdir(seq_dir):
            raise FileNotFoundError(
                f'{seq_dir}: folder missing (named at {list_path} line '
                f'{line_no}); expected {GOT10K_LAYOUT}; fix list.txt or '
                'restore the folder')
        frames = images_or_error(seq_dir, f'{GOT10K_LAYOUT}%08d.jpg')
        gt_path = require_file(osp.join(seq_dir, 'groundtruth.txt'),
                                f'{GOT10K_LAYOUT}groundtruth.txt')
        boxes = parse_boxes(gt_path, (4, ), GOT10K_LAYOUT)
        n_lines = len(boxes)
        boxes = complete_boxes(gt_path, boxes, frames, seq_dir,
                               split == 'test')
        absence_path = osp.join(seq_dir, 'absence.label')
        cover_path = osp.join(seq_dir, 'cover.label')
        visible, cover = None, None
        if osp.isfile(absence_path) or osp.isfile(cover_path):
            visible = np.ones(len(frames), bool)
            if osp.isfile(absence_path):
                visible &= parse_flags(absence_path, len(frames), 0, 1,
                                       'absence') == 0
            if osp.isfile(cover_path):
                cover = parse_flags(cover_path, len(frames), 0, 8, 'cover')
                visible &= cover > 0
        records.append(finish_record(name, frames, boxes, n_lines, visible, cover))
    return records

