"""TrackingNet (Müller et al., ECCV 2018): chunks ``TRAIN_0`` ..
``TRAIN_11`` and ``TEST``, each with ``anno/`` and ``frames/``."""
import os
import os.path as osp
import re
from typing import List, Sequence, Union

from .checks import (complete_boxes, finish_record, images_or_error,
                     parse_boxes, require_dir)

TRACKINGNET_LAYOUT = ('TrackingNet layout <root>/{TRAIN_0..TRAIN_11,TEST}/'
                      '{anno/<video>.txt,frames/<video>/<i>.jpg}')


def _trackingnet_chunks(root: str,
                        chunks: Union[str, int, Sequence]) -> List[str]:
    if isinstance(chunks, (str, int)):
        chunks = [chunks]
    out = []
    for chunk in chunks:
        if isinstance(chunk, int):
            out.append(f'TRAIN_{chunk}')
        elif str(chunk).upper() == 'TRAIN':
            found = [d for d in os.listdir(root)
                     if re.fullmatch(r'TRAIN_\d+', d)
                     and osp.isdir(osp.join(root, d))]
            if not found:
                raise FileNotFoundError(
                    f'{root}: no TRAIN_<i> folders; expected '
                    f'{TRACKINGNET_LAYOUT}')
            out.extend(sorted(found, key=lambda d: int(d.split('_')[1])))
        else:
            out.append(str(chunk))
    return out


def load_trackingnet(root: str,
                     chunks: Union[str, int, Sequence] = ('TEST', )
                     ) -> List[dict]:
    """TrackingNet: ``<root>/<chunk>/anno/<video>.txt`` (x,y,w,h; the TEST
    chunk has the first frame only) and ``<root>/<chunk>/frames/<video>/
    <i>.jpg`` with 0-based integer names (sorted numerically).

    Args:
        chunks: Chunk folders, e.g. ``('TEST',)``, ``('TRAIN_0', 'TRAIN_1')``;
            an int ``i`` means ``TRAIN_i`` and ``'TRAIN'`` every TRAIN_<i>.
    """
    require_dir(root, TRACKINGNET_LAYOUT)
    records = []
    for chunk in _trackingnet_chunks(root, chunks):
        chunk_dir = require_dir(osp.join(root, chunk), TRACKINGNET_LAYOUT)
        anno_dir = require_dir(osp.join(chunk_dir, 'anno'),
                                TRACKINGNET_LAYOUT)
        videos = sorted(osp.splitext(n)[0] for n in os.listdir(anno_dir)
                        if n.endswith('.txt'))
        if not videos:
            raise FileNotFoundError(f'{anno_dir}: no <video>.txt; expected '
                                    f'{TRACKINGNET_LAYOUT}')
        for video in videos:
            frame_dir = osp.join(chunk_dir, 'frames', video)
            frames = images_or_error(frame_dir, TRACKINGNET_LAYOUT)
            for i, frame in enumerate(frames):
                stem = osp.splitext(osp.basename(frame))[0]
                if not stem.isdigit() or int(stem) != i:
                    raise FileNotFoundError(
                        f'{osp.join(frame_dir, f"{i}.jpg")}: missing (found '
                        f'{osp.basename(frame)} at position {i}); '
                        'TrackingNet frames are named 0.jpg, 1.jpg, ... '
                        'without gaps; re-extract the video')
            gt_path = osp.join(anno_dir, f'{video}.txt')
            boxes = parse_boxes(gt_path, (4, ), TRACKINGNET_LAYOUT)
            n_lines = len(boxes)
            boxes = complete_boxes(gt_path, boxes, frames, frame_dir,
                                   chunk.upper() == 'TEST')
            records.append(finish_record(video, frames, boxes, n_lines))
    return records

