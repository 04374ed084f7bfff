"""What the probes draw on: the input image (or frames) and the mapping
from the model's input coordinates back to its pixels."""
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import numpy as np


@dataclass
class ImageScene:
    """One image run through a detector.

    Attributes:
        image (np.ndarray): (H, W, 3) RGB uint8, the original image.
        stem (str): File name stem of the pictures (the image's).
        sample: The predicted ``DetDataSample`` (``pred_instances`` in
            original pixels; ``metainfo`` with ``batch_input_shape`` and
            ``scale_factor``).
        topk (int): Detections to draw.
        query_point (tuple, optional): (x, y) pixel of the original image
            whose region BiFormer's routing pictures start from; the
            image centre by default.
    """
    image: np.ndarray
    stem: str
    sample: object
    topk: int = 3
    query_point: Optional[Tuple[float, float]] = None

    @property
    def scale(self) -> Tuple[float, float]:
        """(sx, sy): model input pixels per original pixel."""
        factor = self.sample.metainfo.get('scale_factor', (1.0, 1.0))
        return float(factor[0]), float(factor[1])

    @property
    def padded_extent(self) -> Tuple[float, float]:
        """(width, height) in original pixels of the padded batch input
        that feature maps cover (normalised map coordinates are relative
        to it)."""
        h, w = self.sample.metainfo['batch_input_shape']
        sx, sy = self.scale
        return w / sx, h / sy

    def to_pixels(self, xy: np.ndarray) -> np.ndarray:
        """(..., 2) (x, y) normalised to the padded input -> original
        pixels."""
        w, h = self.padded_extent
        return np.asarray(xy, dtype=np.float64) * np.array([w, h])

    def centre(self) -> Tuple[float, float]:
        if self.query_point is not None:
            return tuple(self.query_point)
        h, w = self.image.shape[:2]
        return w / 2.0, h / 2.0


@dataclass
class TrackedFrame:
    """One tracked frame: the frame (RGB), the box (x, y, w, h), the score
    (-1 without a score head) and the probe's records of that frame."""
    index: int
    image: np.ndarray
    box: Sequence[float]
    score: float
    records: dict = field(default_factory=dict)


@dataclass
class VideoScene:
    """Frames run through a tracker (frame 0 initialises it)."""
    stem: str
    frames: List[TrackedFrame]
