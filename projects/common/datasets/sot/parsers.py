"""Parsers of the official single-object-tracking (SOT) dataset layouts.

Every ``load_*`` function returns a list of plain video records::

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
import glob
import json
import os
import os.path as osp
import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

IMG_EXTS = ('.jpg', '.jpeg', '.png', '.bmp')
_SEPARATORS = re.compile(r'[,;\s]+')

LASOT_LAYOUT = 'LaSOT layout <root>/<class>/<class>-<k>/'
GOT10K_LAYOUT = ('GOT-10k layout '
                 '<root>/{train,val,test}/GOT-10k_<Split>_<6-digit id>/')
TRACKINGNET_LAYOUT = ('TrackingNet layout <root>/{TRAIN_0..TRAIN_11,TEST}/'
                      '{anno/<video>.txt,frames/<video>/<i>.jpg}')
OTB_LAYOUT = 'OTB layout <root>/<seq>/{img/%04d.jpg,groundtruth_rect.txt}'
VOT_LAYOUT = 'VOT layout <root>/<seq>/{%08d.jpg,groundtruth.txt}'
TOY_LAYOUT = ('toy layout <root>/video/<name>.{json,mp4} written by '
              'tools/misc/make_toy_data.py')


# ---------------------------------------------------------------- helpers
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


def _require_file(path: str, expected: str) -> str:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: missing; expected {expected}')
    return path


def _require_dir(path: str, expected: str) -> str:
    if not osp.isdir(path):
        raise FileNotFoundError(
            f'{path}: folder missing; expected {expected}')
    return path


def _read_lines(path: str) -> List[str]:
    """Lines of a text file, trailing blank lines dropped (CRLF and a
    UTF-8 BOM are accepted)."""
    with open(path, encoding='utf-8-sig') as f:
        lines = f.read().splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _natural_key(name: str):
    stem = osp.splitext(name)[0]
    return (0, int(stem), name) if stem.isdigit() else (1, 0, name)


def list_images(folder: str) -> List[str]:
    """Image files of ``folder`` (absolute paths): numerically sorted when
    every file name is an integer (``0.jpg, 1.jpg, ..., 10.jpg``), otherwise
    sorted by name."""
    names = [n for n in os.listdir(folder)
             if n.lower().endswith(IMG_EXTS) and not n.startswith('.')]
    names.sort(key=_natural_key)
    return [osp.abspath(osp.join(folder, n)) for n in names]


def _images_or_error(folder: str, expected: str) -> List[str]:
    _require_dir(folder, expected)
    frames = list_images(folder)
    if not frames:
        raise FileNotFoundError(
            f'{folder}: no images (*{", *".join(IMG_EXTS)}); expected '
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
    lines = _read_lines(path)
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
    lines = _read_lines(path)
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


def _no_box_to_zeros(boxes: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """NaN read from the file ("no box") -> zeros; unknown rows stay NaN."""
    boxes = boxes.copy()
    no_box = np.isnan(boxes).any(1) & ~unknown
    boxes[no_box] = 0
    return boxes


def _box_visible(boxes: np.ndarray) -> np.ndarray:
    finite = np.isfinite(boxes).all(1)
    with np.errstate(invalid='ignore'):
        return finite & (boxes[:, 2] > 0) & (boxes[:, 3] > 0)


def _finish(name: str, frames: List[str], boxes: np.ndarray,
            n_lines: int, visible: Optional[np.ndarray] = None,
            cover: Optional[np.ndarray] = None) -> dict:
    """Build a record from checked boxes (NaN = "no box" for the first
    ``n_lines`` rows, unknown after)."""
    unknown = np.zeros(len(boxes), bool)
    unknown[n_lines:] = True
    no_box = np.isnan(boxes).any(1) & ~unknown
    boxes = _no_box_to_zeros(boxes, unknown)
    if visible is None:
        visible = _box_visible(boxes)
    visible = visible & ~no_box & ~unknown
    return make_record(name, frames, boxes, visible, cover)


# ---------------------------------------------------------------- LaSOT
def _lasot_names(root: str, split_file: Optional[str]) -> List[str]:
    if split_file is not None:
        path = split_file
        if not osp.isabs(path) and not osp.isfile(path):
            path = osp.join(root, split_file)
        _require_file(path, 'a LaSOT split file with one sequence name '
                      '(<class>-<k>) per line, e.g. testing_set.txt')
        names = [line.strip() for line in _read_lines(path)]
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
    _require_dir(root, LASOT_LAYOUT)
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
        _require_dir(seq_dir, f'{LASOT_LAYOUT} for sequence {name!r}')
        frames = _images_or_error(osp.join(seq_dir, 'img'),
                                  f'{LASOT_LAYOUT}img/%08d.jpg')
        gt_path = _require_file(osp.join(seq_dir, 'groundtruth.txt'),
                                f'{LASOT_LAYOUT}groundtruth.txt')
        boxes = parse_boxes(gt_path, (4, ), LASOT_LAYOUT)
        boxes = complete_boxes(gt_path, boxes, frames,
                               osp.join(seq_dir, 'img'), False)
        flags = {}
        for key in ('full_occlusion', 'out_of_view'):
            path = _require_file(osp.join(seq_dir, f'{key}.txt'),
                                 f'{LASOT_LAYOUT}{key}.txt')
            flags[key] = parse_flags(path, len(frames), 0, 1, key).astype(
                bool)
        visible = ~flags['full_occlusion'] & ~flags['out_of_view']
        records.append(_finish(name, frames, boxes, len(boxes), visible))
    return records


# ---------------------------------------------------------------- GOT-10k
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
    _require_dir(root, GOT10K_LAYOUT)
    split_dir = osp.join(root, split)
    _require_dir(split_dir, GOT10K_LAYOUT)
    list_path = osp.join(split_dir, 'list.txt')
    if osp.isfile(list_path):
        names = [line.strip() for line in _read_lines(list_path)]
        names = [n for n in names if n]
    else:
        names = sorted(n for n in os.listdir(split_dir)
                       if n.startswith('GOT-10k_')
                       and osp.isdir(osp.join(split_dir, n)))
        if not names:
            _require_file(list_path, f'{GOT10K_LAYOUT} and <split>/list.txt '
                          'naming the sequence folders')
    if video_names is not None:
        names = list(video_names)
    elif split_file is not None:
        path = split_file if osp.isabs(split_file) or osp.isfile(
            split_file) else osp.join(root, split_file)
        _require_file(path, 'a split file of 0-based indices into '
                      '<split>/list.txt, one per line')
        picked = []
        for line_no, line in enumerate(_read_lines(path), 1):
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
        frames = _images_or_error(seq_dir, f'{GOT10K_LAYOUT}%08d.jpg')
        gt_path = _require_file(osp.join(seq_dir, 'groundtruth.txt'),
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
        records.append(_finish(name, frames, boxes, n_lines, visible, cover))
    return records


# ---------------------------------------------------------------- TrackingNet
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
    _require_dir(root, TRACKINGNET_LAYOUT)
    records = []
    for chunk in _trackingnet_chunks(root, chunks):
        chunk_dir = _require_dir(osp.join(root, chunk), TRACKINGNET_LAYOUT)
        anno_dir = _require_dir(osp.join(chunk_dir, 'anno'),
                                TRACKINGNET_LAYOUT)
        videos = sorted(osp.splitext(n)[0] for n in os.listdir(anno_dir)
                        if n.endswith('.txt'))
        if not videos:
            raise FileNotFoundError(f'{anno_dir}: no <video>.txt; expected '
                                    f'{TRACKINGNET_LAYOUT}')
        for video in videos:
            frame_dir = osp.join(chunk_dir, 'frames', video)
            frames = _images_or_error(frame_dir, TRACKINGNET_LAYOUT)
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
            records.append(_finish(video, frames, boxes, n_lines))
    return records


# ---------------------------------------------------------------- OTB
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
    _require_dir(root, OTB_LAYOUT)
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
            _require_file(osp.join(seq_dir, 'groundtruth_rect.txt'),
                          OTB_LAYOUT)
        img_dir = osp.join(seq_dir, 'img')
        if not osp.isdir(img_dir):
            img_dir = seq_dir
        all_frames = _images_or_error(img_dir, OTB_LAYOUT)
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
            records.append(_finish(name, frames, boxes, len(boxes)))
    return records


# ---------------------------------------------------------------- VOT
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
    _require_dir(root, VOT_LAYOUT)
    if osp.isfile(osp.join(root, 'groundtruth.txt')):
        seq_dirs = [root]
    elif osp.isfile(osp.join(root, 'list.txt')):
        seq_dirs = [osp.join(root, line.strip())
                    for line in _read_lines(osp.join(root, 'list.txt'))
                    if line.strip()]
    else:
        seq_dirs = [osp.join(root, d) for d in sorted(os.listdir(root))
                    if osp.isfile(osp.join(root, d, 'groundtruth.txt'))]
        if not seq_dirs:
            raise FileNotFoundError(
                f'{root}: no <seq>/groundtruth.txt; expected {VOT_LAYOUT}')
    records = []
    for seq_dir in seq_dirs:
        _require_dir(seq_dir, VOT_LAYOUT)
        gt_path = _require_file(osp.join(seq_dir, 'groundtruth.txt'),
                                VOT_LAYOUT)
        img_dir = _vot_image_dir(seq_dir)
        frames = _images_or_error(img_dir, VOT_LAYOUT)
        boxes = parse_boxes(gt_path, (4, 8), VOT_LAYOUT)
        boxes = complete_boxes(gt_path, boxes, frames, img_dir, False)
        records.append(
            _finish(osp.basename(osp.normpath(seq_dir)), frames, boxes,
                    len(boxes)))
    return records


# ---------------------------------------------------------------- toy video
def _extract_frames(video_path: str, frames_dir: str,
                    expected: int) -> List[str]:
    """Decode ``video_path`` into ``frames_dir/%05d.png`` (once: existing
    complete folders are reused)."""
    paths = [osp.join(frames_dir, f'{i:05d}.png') for i in range(expected)]
    if all(osp.isfile(p) for p in paths):
        return [osp.abspath(p) for p in paths]
    import cv2
    _require_file(video_path, TOY_LAYOUT)
    try:
        os.makedirs(frames_dir, exist_ok=True)
    except OSError as error:
        raise OSError(
            f'{frames_dir}: cannot create the frame folder ({error}); pass '
            'frames_dir= a writable folder') from None
    capture = cv2.VideoCapture(video_path)
    count = 0
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            if count < expected:
                tmp = paths[count] + f'.tmp{os.getpid()}.png'
                if not cv2.imwrite(tmp, frame):
                    raise OSError(f'{tmp}: cannot write the frame; pass '
                                  'frames_dir= a writable folder')
                os.replace(tmp, paths[count])
            count += 1
    finally:
        capture.release()
    if count != expected:
        raise ValueError(
            f'{video_path}: {count} decoded frames but the annotation has '
            f'{expected} frames; regenerate the toy data '
            '(tools/misc/make_toy_data.py)')
    return [osp.abspath(p) for p in paths]


def load_toy_video(root: str,
                   frames_dir: Optional[str] = None) -> List[dict]:
    """The toy video of ``tools/misc/make_toy_data.py``: one SOT sequence
    per track id of each ``<root>/video/<name>.json`` (``root`` may also be
    the ``video`` folder). The mp4 is decoded once into
    ``<video folder>/<name>_frames/%05d.png`` (or ``frames_dir/<name>``).
    Frames where a track is absent get a zero box and ``visible=False``.
    Sequences are named ``<name>-<track_id>``.
    """
    _require_dir(root, TOY_LAYOUT)
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
        for key in ('video', 'frames'):
            if key not in meta:
                raise ValueError(f'{json_path}: field {key!r} missing; '
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
        frames = _extract_frames(osp.join(video_dir, meta['video']), out_dir,
                                 len(ann_frames))
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


def load_coco_sot(root: str,
                  ann_file: str = 'annotations/instances_train2017.json',
                  img_prefix: str = 'train2017') -> List[dict]:
    """COCO as single-object-tracking data (as MixFormer / STARK train on
    COCO 2017): every non-crowd box with positive size is a one-frame
    sequence named ``<image id>-<annotation id>``."""
    path = ann_file if osp.isabs(ann_file) else osp.join(root, ann_file)
    _require_file(path, '<root>/annotations/instances_train2017.json')
    with open(path) as f:
        coco = json.load(f)
    for key in ('images', 'annotations'):
        if key not in coco:
            raise ValueError(f'{path}: field {key!r} missing; not a COCO '
                             f'instances file')
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


LOADERS = dict(lasot=load_lasot, got10k=load_got10k,
               trackingnet=load_trackingnet, otb=load_otb, vot=load_vot,
               toy=load_toy_video, coco=load_coco_sot)
