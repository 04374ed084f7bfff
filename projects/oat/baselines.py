"""Scanpath baselines that :class:`ScanpathMetric` scores like a model.

Each baseline emits ``length - 1`` fixations from an ordering of the
non-target objects, then the target (a search that ends where it should):

* ``random``: objects drawn uniformly (repeats allowed);
* ``center``: objects by grid distance to the display centre, nearest
  first (OAT's ``center`` baseline idea);
* ``similarity``: objects by appearance similarity to the target (cosine
  of their 8 x 8 colour thumbnails), most similar first.

``length`` is the median human scanpath length of the training split (give
it in the config). OAT evaluates ``random``, ``center``, ``saliency`` and
``rgb`` from CSV files it does not ship; these are rebuilt from their
names, not copied from numbers.
"""
from typing import Dict, List

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import Tensor

from mmdet.registry import MODELS

KINDS = ('random', 'center', 'similarity')


@MODELS.register_module()
class ScanpathBaseline(BaseModel):
    """A non-learned scanpath predictor (see the module docstring).

    Args:
        kind (str): 'random', 'center' or 'similarity'.
        length (int): fixations per predicted scanpath, target included.
        seed (int): seed of ``random``.
    """

    def __init__(self, kind: str = 'center', length: int = 6, seed: int = 0,
                 data_preprocessor=None, init_cfg=None):
        if kind not in KINDS:
            raise ValueError(f'ScanpathBaseline: kind must be one of {KINDS},'
                             f' got {kind!r}')
        if length < 1:
            raise ValueError(f'ScanpathBaseline: length must be >= 1, got '
                             f'{length}')
        super().__init__(
            data_preprocessor=data_preprocessor
            or dict(type='ScanpathDataPreprocessor'), init_cfg=init_cfg)
        self.kind, self.length = kind, length
        self.generator = torch.Generator().manual_seed(seed)
        # a parameter so that mmengine's runner has something to place
        self.register_buffer('_dummy', torch.zeros(1))

    def _order(self, inputs: Dict[str, Tensor], i: int) -> List[int]:
        valid = inputs['valid'][i]
        target = int(inputs['target'][i])
        others = [j for j in range(int(valid.sum())) if j != target]
        if not others:
            return []
        if self.kind == 'random':
            pick = torch.randint(len(others), (self.length - 1,),
                                 generator=self.generator)
            return [others[int(k)] for k in pick]
        if self.kind == 'center':
            rows, cols = inputs['layout'][i].tolist()
            centre = torch.tensor([rows / 2 - 0.5, cols / 2 - 0.5])
            pos = inputs['positions'][i, others].float()
            key = (pos - centre).norm(dim=1)
            order = key.argsort(stable=True)
        else:
            thumbs = F.adaptive_avg_pool2d(inputs['crops'][i, :int(
                valid.sum())], 8).flatten(1)
            sim = F.cosine_similarity(thumbs[others], thumbs[target][None])
            order = (-sim).argsort(stable=True)
        return [others[int(k)] for k in order[:self.length - 1]]

    def predict(self, inputs: Dict[str, Tensor], data_samples: List):
        for i, sample in enumerate(data_samples):
            path = self._order(inputs, i) + [int(inputs['target'][i])]
            sample.pred_scanpath = path
            sample.pred_scanpaths = [path]
        return data_samples

    def forward(self, inputs, data_samples=None, mode: str = 'predict'):
        if mode != 'predict':
            raise RuntimeError('ScanpathBaseline only predicts (mode '
                               f'"predict"), got {mode!r}')
        return self.predict(inputs, data_samples)
