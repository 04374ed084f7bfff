"""Batches OAT's inputs: object crops, grid positions, target, scanpath."""
from typing import List, Optional, Sequence

import torch
from mmengine.model import BaseDataPreprocessor

from mmdet.registry import MODELS

PAD = -1  # padding of the object-index sequences in a batch


@MODELS.register_module()
class ScanpathDataPreprocessor(BaseDataPreprocessor):
    """Stacks the object crops of a batch (padding the object count) and
    collects each sample's positions, target and scanpath.

    Each sample carries ``inputs`` = its crops, (N, 3, H, W) uint8 as
    loaded (BGR when read by OpenCV), and a data sample with ``positions``
    (N, 2: grid row and column), ``target`` (object index) and, for
    training, ``gt_scanpath`` (object indices).

    Args:
        mean, std (sequence of 3 floats): crops become
            ``(crop - mean) / std``. The official Amazon model saw raw
            0-255 BGR crops (mean 0, std 1, ``bgr_to_rgb=False``); its shelf
            data saw RGB in [0, 1] (std 255, ``bgr_to_rgb=True``).
        bgr_to_rgb (bool): flip the channel order first.

    Returns ``dict(inputs=batch, data_samples=...)`` where ``batch`` holds
    ``crops`` (B, N, 3, H, W) float, ``valid`` (B, N) bool, ``positions``
    (B, N, 2) long, ``target`` (B,) long, ``layout`` (B, 2) long
    (rows, cols) and ``scanpath`` (B, T) long padded with -1 (T may be 0).
    """

    def __init__(self, mean: Sequence[float] = (0., 0., 0.),
                 std: Sequence[float] = (255., 255., 255.),
                 bgr_to_rgb: bool = True):
        super().__init__()
        self.register_buffer('mean', torch.tensor(mean).view(1, 3, 1, 1),
                             False)
        self.register_buffer('std', torch.tensor(std).view(1, 3, 1, 1),
                             False)
        self.bgr_to_rgb = bgr_to_rgb

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        crops_list: List[torch.Tensor] = data['inputs']
        samples = data['data_samples']
        num = max(c.shape[0] for c in crops_list)
        h, w = crops_list[0].shape[-2:]
        batch = len(crops_list)
        crops = crops_list[0].new_zeros((batch, num, 3, h, w),
                                        dtype=torch.float32)
        valid = torch.zeros(batch, num, dtype=torch.bool,
                            device=self.device)
        positions = torch.zeros(batch, num, 2, dtype=torch.long,
                                device=self.device)
        for i, (c, s) in enumerate(zip(crops_list, samples)):
            if c.shape[-2:] != (h, w):
                raise ValueError(
                    f'ScanpathDataPreprocessor: sample {i} has crops of '
                    f'{tuple(c.shape[-2:])}, sample 0 of {(h, w)}; resize '
                    f'every crop to the config\'s crop_size')
            c = c.float()
            if self.bgr_to_rgb:
                c = c.flip(1)
            crops[i, :c.shape[0]] = (c - self.mean) / self.std
            valid[i, :c.shape[0]] = True
            positions[i, :c.shape[0]] = torch.as_tensor(
                s.positions, device=self.device).long()
        target = torch.tensor([int(s.target) for s in samples],
                              device=self.device)
        layout = torch.tensor([list(s.layout) for s in samples],
                              device=self.device).long()
        paths = [self._path(s) for s in samples]
        length = max([len(p) for p in paths] + [0])
        scanpath = torch.full((batch, length), PAD, dtype=torch.long,
                              device=self.device)
        for i, p in enumerate(paths):
            scanpath[i, :len(p)] = torch.as_tensor(p, dtype=torch.long)
        inputs = dict(crops=crops, valid=valid, positions=positions,
                      target=target, layout=layout, scanpath=scanpath)
        return dict(inputs=inputs, data_samples=samples)

    @staticmethod
    def _path(sample) -> Optional[list]:
        path = sample.get('gt_scanpath', None)
        return [] if path is None else [int(v) for v in path]
