"""The toy video written by ``tools/misc/make_toy_data.py``, one SOT
sequence per track."""
import glob
import json
import os.path as osp
from typing import List, Optional

import numpy as np

from projects.common.utils.video_frames import extract_frames
from .checks import make_record, require_dir, require_fields

TOY_LAYOUT = ('toy layout <root>/video/<name>.{json,mp4} written by '
              'tools/misc/make_toy_data.py')


def load_toy_video(root: str,
                   frames_dir: Optional[str] = None) -> List[dict]:
    """The toy video of ``tools/misc/make_toy_data.py``: one SOT sequence
    per track id of each ``<root>/video/<name>.json`` (``root`` may also be
    the ``video`` folder). The mp4 is decoded once into
    ``<video folder>/<name>_frames/%05d.png`` (or ``frames_dir/<name>``).
    Frames where a track is absent get a zero box and ``visible=False``.
    Sequences are named ``<name>-<track_id>``.
    """
    require_dir(root, TOY_LAYOUT)
    video_dir = osp.join(root, 'video')
    if not osp.isdir(video_dir):
        video_dir = root
    json_paths = sorted(glob.glob(osp.join(video_dir, '*.json')))
    if not json_paths:
        raise FileNotFoundError(
            f'{osp.join(video_dir, "<name>.json")}: missing; expected '
            f'{TOY_LAYOUT}; run tools/misc/make_toy_data.py --out {root}')
    records = []
    for json_path in json_paths:
        with open(json_path) as f:
            meta = json.load(f)
        require_fields(meta, ('video', 'frames'), json_path,
                       f'expected {TOY_LAYOUT}')
        if meta.get('bbox_format', 'xywh') != 'xywh':
            raise ValueError(f'{json_path}: field bbox_format is '
                             f'{meta["bbox_format"]!r}; expected "xywh"')
        stem = osp.splitext(osp.basename(json_path))[0]
        ann_frames = sorted(meta['frames'], key=lambda fr: fr['frame'])
        for position, frame in enumerate(ann_frames):
            if frame.get('frame') != position:
                raise ValueError(
                    f'{json_path}: frames[{position}].frame is '
                    f'{frame.get("frame")!r}; expected {position} (frame '
                    'indices 0..N-1 without gaps)')
        out_dir = (osp.join(frames_dir, stem) if frames_dir else
                   osp.join(video_dir, f'{stem}_frames'))
        frames = extract_frames(
            osp.join(video_dir, meta['video']), out_dir, len(ann_frames),
            regenerate_hint=f'expected {TOY_LAYOUT}; regenerate the toy '
            'data (tools/misc/make_toy_data.py)')
        track_ids = sorted({obj['track_id'] for fr in ann_frames
                            for obj in fr.get('objects', [])})
        for track_id in track_ids:
            boxes = np.zeros((len(frames), 4), np.float64)
            visible = np.zeros(len(frames), bool)
            for index, frame in enumerate(ann_frames):
                for obj in frame.get('objects', []):
                    if obj['track_id'] != track_id:
                        continue
                    bbox = obj.get('bbox')
                    if bbox is None or len(bbox) != 4:
                        raise ValueError(
                            f'{json_path}: frames[{index}] track '
                            f'{track_id} field bbox is {bbox!r}; expected '
                            '[x, y, w, h]')
                    boxes[index] = bbox
                    visible[index] = bbox[2] > 0 and bbox[3] > 0
            records.append(
                make_record(f'{stem}-{track_id}', frames, boxes, visible))
    return records

