"""Training samples of MixFormer: template / search crops from videos.

The sampling, jitter, cropping and augmentation follow the official
training code of MixFormer (MCG-NJU/MixFormer, ``lib/train/data/``), which
follows STARK:

* stage 1 (``mode='causal'``): a visible base frame b, an online template
  among the visible frames of [b - gap, b), a search frame in (b, b + gap);
  the gap starts at ``max_gap`` (200) and grows by 5 after each failure;
* stage 2 (``mode='cls'``): with probability ``pos_prob`` (0.5) a positive
  (label 1: template, online template within ``max_gap`` of the search
  frame on the template's side, search with its box); otherwise a
  negative (label 0): an invisible frame of a video with a centred
  W/8 x H/8 box, or a frame of another random sequence;
* the search box is jittered (scale ``exp(N(0,1) * 0.5)``, centre
  ``sqrt(w h) * 4.5 * (U - 0.5)``), templates are not; crops of
  ``sqrt(w h) * factor`` (2 / 5) around the (jittered) boxes, zero padded,
  resized to 128 / 320;
* augmentation: grayscale (p 0.05) and horizontal flip (p 0.5) drawn once
  per sample on the full frames; per crop a brightness factor U(0.8, 1.2)
  and a horizontal flip (p 0.5) of the crop and its box;
* a sample whose crop is all padding (or whose mask downsampled by 16 is,
  after the flip) is drawn again.

Each item is ``dict(inputs=dict(template=(T, 3, 128, 128) float RGB,
search=(3, 320, 320) float RGB, both in [0, 255]),
data_samples=BaseDataElement(
search_bbox=(4,) normalised xywh, label=int))``. The length is a fixed
quota of samples per epoch (``samples_per_epoch``); the index is ignored.
"""
import math
from typing import List, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.dataset import BaseDataset
from mmengine.structures import BaseDataElement
from torch.utils.data import Dataset

from mmdet.registry import DATASETS
from .cropping import box_in_crop, crop_around, jitter_box


@DATASETS.register_module()
class SOTPairDataset(Dataset):
    """Template / search pairs sampled from video datasets.

    Args:
        datasets (list[dict]): SOT video datasets (e.g. ``LaSOTDataset``),
            built in training mode (one record per video).
        weights (Sequence[float], optional): Sampling weight per dataset
            (official: 1 : 1 : 1 : 1).
        samples_per_epoch (int): Epoch length (official 60,000).
        mode (str): ``'causal'`` (stage 1) or ``'cls'`` (stage 2).
        max_gap (int): Frame gap of the sampling (official 200).
        num_templates (int): Static + online templates (2).
        template_factor / search_factor (float): Crop factors (2.0 / 5.0).
        template_size / search_size (int): Crop sizes (128 / 320).
        scale_jitter / centre_jitter (float): Search jitter (0.5 / 4.5).
        pos_prob (float): Positive probability in ``'cls'`` mode.
        gray_prob / flip_prob (float): Joint augmentation probabilities.
        brightness (float): Per-crop brightness jitter (0.2).
        min_frames (int): Shortest accepted video (20).
        max_tries (int): Resampling attempts before raising.
    """

    def __init__(self,
                 datasets: List[dict],
                 weights: Optional[Sequence[float]] = None,
                 samples_per_epoch: int = 60000,
                 mode: str = 'causal',
                 max_gap: int = 200,
                 num_templates: int = 2,
                 template_factor: float = 2.0,
                 search_factor: float = 5.0,
                 template_size: int = 128,
                 search_size: int = 320,
                 scale_jitter: float = 0.5,
                 centre_jitter: float = 4.5,
                 pos_prob: float = 0.5,
                 gray_prob: float = 0.05,
                 flip_prob: float = 0.5,
                 brightness: float = 0.2,
                 min_frames: int = 20,
                 max_tries: int = 100) -> None:
        if mode not in ('causal', 'cls'):
            raise ValueError(f"SOTPairDataset: mode must be 'causal' or "
                             f"'cls', got {mode!r}.")
        self.datasets: List[BaseDataset] = [
            d if not isinstance(d, dict) else DATASETS.build(d)
            for d in datasets
        ]
        weights = list(weights or [1.0] * len(self.datasets))
        if len(weights) != len(self.datasets):
            raise ValueError('SOTPairDataset: one weight per dataset.')
        self.probs = np.asarray(weights, float) / sum(weights)
        self.samples_per_epoch = samples_per_epoch
        self.mode = mode
        self.max_gap = max_gap
        self.num_templates = num_templates
        self.template_factor, self.search_factor = template_factor, \
            search_factor
        self.template_size, self.search_size = template_size, search_size
        self.scale_jitter, self.centre_jitter = scale_jitter, centre_jitter
        self.pos_prob = pos_prob
        self.gray_prob, self.flip_prob = gray_prob, flip_prob
        self.brightness = brightness
        self.min_frames = min_frames
        self.max_tries = max_tries
        self.metainfo = dict(classes=('target', ))
        for d in self.datasets:
            if not any(self._usable(d.get_video(i))
                       for i in range(d.num_videos)):
                raise ValueError(
                    f'SOTPairDataset: no video of {type(d).__name__} '
                    f'({getattr(d, "data_root", "")}) has enough visible '
                    f'frames (> {2 * (num_templates + 1)} visible, >= '
                    f'{min_frames} frames).')

    def __len__(self) -> int:
        return self.samples_per_epoch

    @staticmethod
    def _visible(video: dict) -> np.ndarray:
        """Frames usable for sampling: flagged visible with a positive
        box (the official training datasets' visibility)."""
        if '_sampling_visible' not in video:
            boxes = video['gt_bboxes']
            video['_sampling_visible'] = video['visible'] & (
                boxes[:, 2] > 0) & (boxes[:, 3] > 0)
        return video['_sampling_visible']

    def _usable(self, video: dict) -> bool:
        n = len(video['frames'])
        return n == 1 or (n >= self.min_frames and int(
            self._visible(video).sum()) > 2 * (self.num_templates + 1))

    def _random_video(self, rng) -> dict:
        dataset = self.datasets[rng.choice(len(self.datasets),
                                           p=self.probs)]
        while True:
            video = dataset.get_video(int(rng.integers(dataset.num_videos)))
            if self._usable(video):
                return video

    @staticmethod
    def _pick(ids: np.ndarray, rng) -> Optional[int]:
        return None if len(ids) == 0 else int(rng.choice(ids))

    def _visible_in(self, video, lo, hi, visible_only=True) -> np.ndarray:
        lo, hi = max(lo, 0), min(hi, len(video['frames']))
        ids = np.arange(lo, hi)
        return ids[self._visible(video)[lo:hi]] if visible_only else ids

    def _causal_ids(self, video, rng):
        """[base, online...] templates and the search frame, or None."""
        n = len(video['frames'])
        if n == 1:
            return [0] * self.num_templates, 0
        visible = np.flatnonzero(self._visible(video))
        gap = self.max_gap
        for _ in range(self.max_tries):
            base = int(rng.choice(visible))
            prev = self._visible_in(video, base - gap, base)
            nxt = self._visible_in(video, base + 1, base + gap)
            if len(prev) >= self.num_templates - 1 and len(nxt):
                online = rng.choice(prev, self.num_templates - 1,
                                    replace=False).tolist()
                return [base] + online, int(rng.choice(nxt))
            gap += 5
        return None

    def _cls_ids(self, video, rng):
        """Templates and a search frame near them (stage 2 positives)."""
        n = len(video['frames'])
        if n == 1:
            return [0] * self.num_templates, 0
        visible = np.flatnonzero(self._visible(video))
        t1, s = int(rng.choice(visible)), int(rng.choice(visible))
        lo, hi = (s, s + self.max_gap) if t1 >= s else (s - self.max_gap, s)
        others = self._visible_in(video, lo, hi, visible_only=False)
        online = rng.choice(others, self.num_templates - 1).tolist() if len(
            others) else [t1] * (self.num_templates - 1)
        return [t1] + online, s

    @staticmethod
    def _load(path: str) -> np.ndarray:
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None:
            raise FileNotFoundError(f'SOTPairDataset: cannot read image '
                                    f'{path}')
        return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)

    def _augment_frames(self, frames, boxes, rng):
        """Joint grayscale / horizontal flip of the full frames."""
        if rng.random() < self.gray_prob:
            frames = [np.repeat(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)[..., None],
                                3, axis=2) for f in frames]
        if rng.random() < self.flip_prob:
            flipped = []
            for f, b in zip(frames, boxes):
                flipped.append(np.ascontiguousarray(f[:, ::-1]))
                # official: corner x -> (W - 1) - x
                b[0] = f.shape[1] - 1 - b[0] - b[2]
            frames = flipped
        return frames, boxes

    def _crop(self, frame, box, crop_box, factor, size, rng):
        patch, resize, mask = crop_around(frame, crop_box, factor, size)
        norm_box = box_in_crop(box, crop_box, resize, size)
        # brightness on the float crop, not rounded back to uint8
        patch = np.clip(patch.astype(np.float32) * rng.uniform(
            1 - self.brightness, 1 + self.brightness), 0, 255)
        if rng.random() < 0.5:  # per-crop flip of the crop, box and mask
            patch, mask = patch[:, ::-1], mask[:, ::-1]
            norm_box[0] = 1 - norm_box[0] - norm_box[2]
        if mask.all() or mask[::16, ::16].all():
            return None
        tensor = torch.from_numpy(np.ascontiguousarray(patch.transpose(2, 0,
                                                                      1)))
        return tensor, norm_box

    def _sample(self, rng):
        label = 1
        video = self._random_video(rng)
        ids = self._causal_ids(video, rng) if self.mode == 'causal' else \
            self._cls_ids(video, rng)
        if ids is None:
            return None
        template_ids, search_id = ids
        search_video, search_box = video, None
        if self.mode == 'cls' and rng.random() >= self.pos_prob:
            label = 0
            invisible = np.flatnonzero(~self._visible(video))
            if len(video['frames']) > 1 and len(invisible):
                search_id = int(rng.choice(invisible))
                # official: centred W/8 x H/8 box of the first template
                # frame's size, truncated to integers
                h, w = self._load(video['frames'][template_ids[0]]).shape[:2]
                search_box = np.array([
                    int(w / 2 - w / 16), int(h / 2 - h / 16), int(w / 8),
                    int(h / 8)
                ], float)
            else:
                search_video = self._random_video(rng)
                search_id = int(rng.integers(len(search_video['frames'])))
        paths = [video['frames'][i] for i in template_ids] + \
            [search_video['frames'][search_id]]
        boxes = [video['gt_bboxes'][i].astype(float).copy()
                 for i in template_ids]
        boxes.append(search_box if search_box is not None else
                     search_video['gt_bboxes'][search_id].astype(float).copy())
        if any(b[2] <= 0 or b[3] <= 0 or not np.isfinite(b).all()
               for b in boxes):
            return None
        frames, boxes = self._augment_frames([self._load(p) for p in paths],
                                             boxes, rng)
        templates = []
        for frame, box in zip(frames[:-1], boxes[:-1]):
            out = self._crop(frame, box, box, self.template_factor,
                             self.template_size, rng)
            if out is None:
                return None
            templates.append(out[0])
        jittered = jitter_box(boxes[-1], self.scale_jitter,
                              self.centre_jitter, rng)
        if math.ceil(math.sqrt(max(jittered[2] * jittered[3], 0)) *
                     self.search_factor) < 1:
            return None
        out = self._crop(frames[-1], boxes[-1], jittered, self.search_factor,
                         self.search_size, rng)
        if out is None:
            return None
        search, search_bbox = out
        sample = BaseDataElement(
            search_bbox=search_bbox.astype(np.float32), label=label)
        return dict(
            inputs=dict(template=torch.stack(templates), search=search),
            data_samples=sample)

    def __getitem__(self, idx: int) -> dict:
        rng = np.random.default_rng(np.random.randint(2**31))
        for _ in range(self.max_tries):
            sample = self._sample(rng)
            if sample is not None:
                return sample
        raise RuntimeError(
            f'SOTPairDataset: no valid sample after {self.max_tries} tries; '
            f'check the boxes of the training videos.')
