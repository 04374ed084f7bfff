"""Checks and readers shared by the SOT layout parsers.

Every parser (``lasot.py``, ``got10k.py``, ...) returns plain video
records built by :func:`make_record`::

    dict(video_name=str,                 # sequence name
         frames=[str, ...],              # absolute image paths, in order
         gt_bboxes=np.ndarray,           # float32 (N, 4), x, y, w, h
         visible=np.ndarray,             # bool (N,)
         cover=np.ndarray or None)       # int64 (N,) GOT-10k cover 0-8

with ``N == len(frames)``. Conventions of the rows of ``gt_bboxes``:

* a NaN value in an annotation line means "no box": the row is set to
  zeros and the frame is not visible;
* frames whose box is *unknown* (GOT-10k test and TrackingNet TEST give the
  first frame only) are rows of NaN, not visible;
* ``visible`` comes from the visibility labels where the dataset has them
  (LaSOT full_occlusion/out_of_view, GOT-10k absence/cover) and otherwise
  means "the box is finite and has w > 0 and h > 0".

Errors name the file, the line (or value) at fault and what to do.
"""
import os.path as osp
import re
from typing import List, Optional, Sequence, Tuple

import numpy as np

from projects.common.utils.image_files import IMG_EXTENSIONS, list_images

_SEPARATORS = re.compile(r'[,;\s]+')


def make_record(video_name: str, frames: Sequence[str], gt_bboxes,
                visible, cover=None) -> dict:
    """Build (and check the shapes of) one video record."""
    gt_bboxes = np.asarray(gt_bboxes, dtype=np.float32).reshape(-1, 4)
    visible = np.asarray(visible, dtype=bool).reshape(-1)
    if cover is not None:
        cover = np.asarray(cover, dtype=np.int64).reshape(-1)
    n = len(frames)
    if len(gt_bboxes) != n or len(visible) != n or (cover is not None
                                                     and len(cover) != n):
        raise ValueError(
            f'{video_name}: {n} frames but gt_bboxes {gt_bboxes.shape}, '
            f'visible {visible.shape}'
            + ('' if cover is None else f', cover {cover.shape}')
            + '; every array needs one entry per frame')
    return dict(video_name=str(video_name),
                frames=[osp.abspath(f) for f in frames],
                gt_bboxes=gt_bboxes, visible=visible, cover=cover)


def require_file(path: str, expected: str) -> str:
    """``path`` if it is a file, else an error saying what was expected."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: missing; expected {expected}')
    return path


def require_dir(path: str, expected: str) -> str:
    """``path`` if it is a folder, else an error saying what was expected."""
    if not osp.isdir(path):
        raise FileNotFoundError(
            f'{path}: folder missing; expected {expected}')
    return path


def read_lines(path: str) -> List[str]:
    """Lines of a text file, trailing blank lines dropped (CRLF and a
    UTF-8 BOM are accepted)."""
    with open(path, encoding='utf-8-sig') as f:
        lines = f.read().splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def require_fields(record: dict, fields: Sequence[str], path: str,
                   expected: str) -> dict:
    """``record`` (read from ``path``) if it has every key of ``fields``,
    else an error naming the file, the field and what was expected."""
    for key in fields:
        if key not in record:
            raise ValueError(f'{path}: field {key!r} missing; {expected}')
    return record


def images_or_error(folder: str, expected: str) -> List[str]:
    """The images of ``folder`` (see :func:`list_images`); an error when
    the folder is missing or holds none."""
    require_dir(folder, expected)
    frames = list_images(folder)
    if not frames:
        raise FileNotFoundError(
            f'{folder}: no images (*{", *".join(IMG_EXTENSIONS)}); expected '
            f'{expected}')
    return frames


def polygon_to_xywh(values: Sequence[float]) -> List[float]:
    """Axis-aligned box (x, y, w, h) of a polygon x1, y1, ..., x4, y4: the
    min/max of its corners."""
    xs, ys = values[0::2], values[1::2]
    x0, y0 = min(xs), min(ys)
    return [x0, y0, max(xs) - x0, max(ys) - y0]


def parse_boxes(path: str, allowed: Tuple[int, ...] = (4, ),
                layout: str = '') -> np.ndarray:
    """Read one box per line (x,y,w,h or, when 8 is allowed, a polygon
    x1,y1,...,x4,y4 turned into its min/max box) separated by commas, tabs
    or spaces. Returns float64 (M, 4); a line with a NaN becomes a row of
    NaN."""
    lines = read_lines(path)
    if not lines:
        raise ValueError(f'{path}: empty; expected one box per frame '
                         f'({" or ".join(map(str, allowed))} numbers a line)')
    want = ' or '.join(str(n) for n in allowed)
    boxes = np.empty((len(lines), 4), np.float64)
    for index, line in enumerate(lines):
        tokens = [t for t in _SEPARATORS.split(line.strip()) if t]
        if len(tokens) not in allowed:
            hint = ''
            if tokens and tokens[0][:1] == 'm':
                hint = ' (VOT2020+ mask annotations are not supported)'
            raise ValueError(
                f'{path} line {index + 1}: expected {want} numbers, got '
                f'{len(tokens)} ({line.strip()!r}){hint}; fix the line'
                + (f' ({layout})' if layout else ''))
        try:
            values = [float(t) for t in tokens]
        except ValueError:
            raise ValueError(
                f'{path} line {index + 1}: {line.strip()!r} is not {want} '
                f'numbers; fix the line') from None
        if any(v != v for v in values):  # NaN
            boxes[index] = np.nan
        elif len(values) == 8:
            boxes[index] = polygon_to_xywh(values)
        else:
            boxes[index] = values
    return boxes


def parse_flags(path: str, count: int, low: int = 0, high: int = 1,
                what: str = 'label') -> np.ndarray:
    """Integers in [low, high] separated by commas or newlines (LaSOT gives
    one comma-separated line, GOT-10k one value a line); exactly ``count``
    of them."""
    lines = read_lines(path)
    values = []
    for line_no, line in enumerate(lines, 1):
        for token in _SEPARATORS.split(line.strip()):
            if not token:
                continue
            try:
                value = int(float(token))
            except ValueError:
                value = None
            if value is None or not low <= value <= high or (
                    float(token) != value):
                raise ValueError(
                    f'{path} line {line_no} value {len(values) + 1}: '
                    f'{token!r} is not a {what} (integer {low}..{high}); '
                    'fix the file')
            values.append(value)
    if len(values) != count:
        raise ValueError(
            f'{path}: {len(values)} {what} values but {count} frames; the '
            'file needs one value per frame')
    return np.asarray(values, np.int64)


def complete_boxes(path: str, boxes: np.ndarray, frames: Sequence[str],
                   frames_dir: str, first_only_ok: bool,
                   fix: str = '') -> np.ndarray:
    """Check that there is one box line per frame; when ``first_only_ok``
    a single line (first frame only) is accepted and the other rows become
    NaN (unknown)."""
    n_lines, n_frames = len(boxes), len(frames)
    if n_lines == n_frames:
        return boxes
    if first_only_ok and n_lines == 1:
        out = np.full((n_frames, 4), np.nan)
        out[0] = boxes[0]
        return out
    raise ValueError(
        f'{path}: {n_lines} box lines but {n_frames} frames in {frames_dir}; '
        'the annotation needs one line per frame'
        + (' (or only the first line, for a test split)'
           if first_only_ok else '') + (f'; {fix}' if fix else ''))


def finish_record(name: str, frames: List[str], boxes: np.ndarray,
                  n_lines: int, visible: Optional[np.ndarray] = None,
                  cover: Optional[np.ndarray] = None) -> dict:
    """Build a record from checked boxes: NaN rows among the first
    ``n_lines`` mean "no box" (zeros, not visible), rows after them are
    unknown (NaN, not visible); without labels, ``visible`` means a finite
    box with positive size."""
    unknown = np.zeros(len(boxes), bool)
    unknown[n_lines:] = True
    no_box = np.isnan(boxes).any(1) & ~unknown
    boxes = boxes.copy()
    boxes[no_box] = 0
    if visible is None:
        finite = np.isfinite(boxes).all(1)
        with np.errstate(invalid='ignore'):
            visible = finite & (boxes[:, 2] > 0) & (boxes[:, 3] > 0)
    visible = visible & ~no_box & ~unknown
    return make_record(name, frames, boxes, visible, cover)
