"""LaSOT (Fan et al., CVPR 2019): 1,400 sequences of 70 classes, each
``<root>/<class>/<class>-<k>/`` with frames, boxes and visibility labels."""
import os
import os.path as osp
import re
from typing import Iterable, List, Optional

from .checks import (complete_boxes, finish_record, images_or_error,
                     parse_boxes, parse_flags, read_lines, require_dir,
                     require_file)

LASOT_LAYOUT = 'LaSOT layout <root>/<class>/<class>-<k>/'


def _lasot_names(root: str, split_file: Optional[str]) -> List[str]:
    if split_file is not None:
        path = split_file
        if not osp.isabs(path) and not osp.isfile(path):
            path = osp.join(root, split_file)
        require_file(path, 'a LaSOT split file with one sequence name '
                      '(<class>-<k>) per line, e.g. testing_set.txt')
        names = [line.strip() for line in read_lines(path)]
        for line_no, name in enumerate(names, 1):
            if name and not re.fullmatch(r'.+-\d+', name):
                raise ValueError(
                    f'{path} line {line_no}: {name!r} is not a LaSOT '
                    'sequence name <class>-<k>; fix the line')
        return [n for n in names if n]
    names = []
    for cls in sorted(os.listdir(root)):
        cls_dir = osp.join(root, cls)
        if not osp.isdir(cls_dir):
            continue
        seqs = [s for s in os.listdir(cls_dir)
                if re.fullmatch(re.escape(cls) + r'-\d+', s)
                and osp.isdir(osp.join(cls_dir, s))]
        seqs.sort(key=lambda s: int(s.rsplit('-', 1)[1]))
        names.extend(seqs)
    if not names:
        raise FileNotFoundError(
            f'{root}: no <class>/<class>-<k> folders; expected '
            f'{LASOT_LAYOUT}img/%08d.jpg')
    return names


def load_lasot(root: str, split_file: Optional[str] = None,
               video_names: Optional[Iterable[str]] = None) -> List[dict]:
    """LaSOT: ``<root>/<class>/<class>-<k>/img/%08d.jpg`` with
    ``groundtruth.txt`` (x,y,w,h), ``full_occlusion.txt`` and
    ``out_of_view.txt`` (one comma-separated line of 0/1).

    Args:
        root: The LaSOT root (the folder holding the class folders).
        split_file: Optional file with one sequence name a line (e.g. the
            official ``testing_set.txt``, 280 names); relative paths are
            also looked up under ``root``.
        video_names: Optional explicit list of sequence names (wins over
            ``split_file``).
    Without either, every ``<class>/<class>-<k>`` folder is taken.
    """
    require_dir(root, LASOT_LAYOUT)
    if video_names is not None:
        names = [str(n) for n in video_names]
    else:
        names = _lasot_names(root, split_file)
    records = []
    for name in names:
        cls = name.rsplit('-', 1)[0]
        seq_dir = osp.join(root, cls, name)
        if not osp.isdir(seq_dir) and osp.isdir(osp.join(root, name)):
            seq_dir = osp.join(root, name)  # flat <root>/<class>-<k>
        require_dir(seq_dir, f'{LASOT_LAYOUT} for sequence {name!r}')
        frames = images_or_error(osp.join(seq_dir, 'img'),
                                  f'{LASOT_LAYOUT}img/%08d.jpg')
        gt_path = require_file(osp.join(seq_dir, 'groundtruth.txt'),
                                f'{LASOT_LAYOUT}groundtruth.txt')
        boxes = parse_boxes(gt_path, (4, ), LASOT_LAYOUT)
        boxes = complete_boxes(gt_path, boxes, frames,
                               osp.join(seq_dir, 'img'), False)
        flags = {}
        for key in ('full_occlusion', 'out_of_view'):
            path = require_file(osp.join(seq_dir, f'{key}.txt'),
                                 f'{LASOT_LAYOUT}{key}.txt')
            flags[key] = parse_flags(path, len(frames), 0, 1, key).astype(
                bool)
        visible = ~flags['full_occlusion'] & ~flags['out_of_view']
        records.append(finish_record(name, frames, boxes, len(boxes), visible))
    return records

