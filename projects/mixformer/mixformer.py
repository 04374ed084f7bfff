"""MixFormer single-object tracker for MMDetection 3.x / mmengine.

Cui et al., "MixFormer: End-to-End Tracking with Iterative Mixed
Attention", CVPR 2022 (arXiv:2203.11082). Official code: MCG-NJU/MixFormer
(``lib/models/mixformer_cvt/mixformer_online.py``,
``lib/test/tracker/mixformer_cvt_online.py``).

The model follows mmtrack 1.x's single-object tracker convention:
``forward(inputs, data_samples, mode)``; in ``'predict'`` mode one frame at
a time (batch 1), the tracking memory being reset at frame 0 of every video
from the sample's ``init_bbox``.
"""
import copy
import time
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement
from torch import Tensor

from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox_xyxy_to_cxcywh
from .cropping import clip_box, crop_around, map_box_back

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

DEFAULT_TEST_CFG = dict(
    template_factor=2.0,
    template_size=128,
    search_factor=4.55,
    search_size=320,
    update_interval=200,
    online_size=2,
    max_score_decay=1.0,
    score_threshold=0.5,
    use_cache=True)


@MODELS.register_module()
class MixFormer(BaseModel):
    """MixFormer tracker: backbone of mixed attention, corner head, and an
    optional score prediction module (SPM) for online template updates.

    Args:
        backbone (dict): :class:`MixFormerBackbone` config.
        head (dict): :class:`MixFormerCornerHead` config.
        score_head (dict, optional): :class:`MixFormerScoreDecoder`
            config; without it the online template is never updated.
        train_cfg (dict, optional): ``stage`` 1 (box losses ``loss_iou`` and
            ``loss_bbox``, SPM frozen) or 2 (``loss_score`` on the SPM only,
            every other parameter frozen; the network stays in training
            mode, so the backbone's drop path is active, as officially;
            its BatchNorms are frozen layers).
        test_cfg (dict, optional): tracking settings (see
            :data:`DEFAULT_TEST_CFG`): crop factors and sizes, template
            update interval, number of online templates, score decay and
            threshold, and ``use_cache`` (template keys / values computed
            once per template update instead of every frame).
        bgr_to_rgb (bool): Input frames are BGR (``LoadImageFromFile``).
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 score_head: Optional[dict] = None,
                 loss_iou: dict = dict(type='GIoULoss', loss_weight=2.0),
                 loss_bbox: dict = dict(type='L1Loss', loss_weight=5.0),
                 loss_score: dict = dict(
                     type='CrossEntropyLoss', use_sigmoid=True,
                     loss_weight=1.0),
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 bgr_to_rgb: bool = True,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.box_head = MODELS.build(head)
        self.score_branch = MODELS.build(score_head) if score_head else None
        self.loss_iou = MODELS.build(loss_iou)
        self.loss_bbox = MODELS.build(loss_bbox)
        self.loss_score = MODELS.build(loss_score)
        self.train_cfg = dict(dict(stage=1), **(train_cfg or {}))
        self.test_cfg = dict(DEFAULT_TEST_CFG, **(test_cfg or {}))
        self.bgr_to_rgb = bgr_to_rgb
        self.register_buffer(
            'mean', torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1) * 255,
            persistent=False)
        self.register_buffer(
            'std', torch.tensor(IMAGENET_STD).view(1, 3, 1, 1) * 255,
            persistent=False)
        self.memo = None
        self._apply_stage()

    # ------------------------------------------------------------ training
    def _apply_stage(self) -> None:
        stage = self.train_cfg['stage']
        if stage not in (1, 2):
            raise ValueError(f'MixFormer: train_cfg.stage must be 1 or 2, '
                             f'got {stage}.')
        if stage == 2 and self.score_branch is None:
            raise ValueError('MixFormer: stage 2 trains the score head; set '
                             'score_head in the config.')
        for name, p in self.named_parameters():
            is_score = name.startswith('score_branch.')
            p.requires_grad = is_score if stage == 2 else (
                not is_score and p.requires_grad)

    def normalize(self, images: Tensor) -> Tensor:
        """uint8 / float RGB images in [0, 255] -> ImageNet-normalised."""
        return (images.float() - self.mean) / self.std

    def _stack(self, inputs, key: str) -> Tensor:
        """Batch tensor of ``key`` from a dict (of tensors or of lists, as
        ``pseudo_collate`` gives) or a list of per-sample dicts."""
        items = inputs[key] if isinstance(inputs, dict) else [
            item[key] for item in inputs
        ]
        return items if isinstance(items, Tensor) else torch.stack(items)

    def _features(self, inputs):
        """Normalise the uint8 crops and run the joint backbone pass:
        returns (first template's map, search map)."""
        templates = self._stack(inputs, 'template')  # (B, T, 3, h, w)
        templates = self.normalize(templates.flatten(0, 1)).unflatten(
            0, templates.shape[:2])
        search = self.normalize(self._stack(inputs, 'search'))
        return self.backbone(list(templates.unbind(1)), search)

    def loss(self, inputs, data_samples: List[BaseDataElement]) -> dict:
        """Args:
            inputs: dict or list of dicts with ``template`` (T, 3, 128, 128)
                RGB (static template then online template) and ``search``
                (3, 320, 320) RGB, values in [0, 255] (uint8 or float).
            data_samples: each with ``search_bbox`` (4, ) normalised
                (x, y, w, h) in the search crop and, in stage 2, ``label``
                (1 = the target is there).
        """
        template_feat, search_feat = self._features(inputs)
        device = search_feat.device
        gt = torch.stack([
            torch.as_tensor(ds.search_bbox, dtype=torch.float32)
            for ds in data_samples
        ]).to(device)
        gt_xyxy = torch.cat([gt[:, :2], gt[:, :2] + gt[:, 2:]], dim=1)
        if self.train_cfg['stage'] == 2:
            labels = torch.as_tensor(
                [float(ds.label) for ds in data_samples], device=device)
            logits = self.score_branch(search_feat, template_feat, gt_xyxy)
            return dict(loss_score=self.loss_score(
                logits[:, None], labels.long()[:, None].float()))
        pred = self.box_head(search_feat)  # xyxy, normalised
        if not torch.isfinite(pred).all():
            raise ValueError('MixFormer: the predicted boxes contain NaN or '
                             'inf; lower the learning rate.')
        target = gt_xyxy.clamp(0, 1)
        if (pred[:, 2:] < pred[:, :2]).any():
            # Official behaviour: its GIoU asserts well-formed boxes and the
            # trainer sets the IoU loss to 0 for a batch where it fails (an
            # inverted corner pair would give a meaningless GIoU).
            loss_iou = pred.sum() * 0
        else:
            loss_iou = self.loss_iou(pred, target)
        return dict(loss_iou=loss_iou, loss_bbox=self.loss_bbox(pred, target))

    # ------------------------------------------------------------ tracking
    def _frame_rgb(self, img: Tensor) -> np.ndarray:
        """(3, H, W) tensor -> (H, W, 3) RGB uint8 array."""
        arr = img.detach().cpu().permute(1, 2, 0).numpy()
        if arr.dtype != np.uint8:
            arr = np.clip(arr, 0, 255).astype(np.uint8)
        return np.ascontiguousarray(arr[..., ::-1] if self.bgr_to_rgb else arr)

    def _crop(self, frame: np.ndarray, box, factor: float,
              size: int):
        patch, resize_factor, _ = crop_around(frame, box, factor, size)
        tensor = torch.from_numpy(patch).permute(2, 0, 1)[None].to(
            self.mean.device)
        return self.normalize(tensor), resize_factor

    def _run(self, search: Tensor):
        """Box (normalised cxcywh) and score of one search crop."""
        memo = self.memo
        if self.test_cfg['use_cache']:
            template_feat, search_feat = self.backbone.forward_search(search)
        else:
            template_feat, search_feat = self.backbone(
                [memo.template] + list(memo.online.split(1)), search)
        xyxy = self.box_head(search_feat)
        score = None
        if self.score_branch is not None:
            score = self.score_branch(search_feat, template_feat,
                                      xyxy).sigmoid().item()
        return bbox_xyxy_to_cxcywh(xyxy)[0], score

    def _refresh_cache(self) -> None:
        if self.test_cfg['use_cache']:
            self.backbone.set_templates([self.memo.template,
                                         self.memo.online])

    def init(self, frame: np.ndarray, box_xywh: Sequence[float]) -> None:
        """Start tracking ``box_xywh`` in ``frame`` (RGB uint8)."""
        cfg = self.test_cfg
        template, _ = self._crop(frame, box_xywh, cfg['template_factor'],
                                 cfg['template_size'])
        self.memo = BaseDataElement(
            template=template, online=template, best_template=template,
            max_score=-1.0, forget_id=0, state=np.asarray(box_xywh, float),
            frame_id=0)
        self._refresh_cache()

    def track(self, frame: np.ndarray) -> Dict[str, Union[np.ndarray, float]]:
        """Track one frame; returns ``bbox`` (x, y, w, h) and ``score``."""
        cfg, memo = self.test_cfg, self.memo
        if memo is None:
            raise RuntimeError('MixFormer: call init() on the first frame.')
        memo.frame_id += 1
        h, w = frame.shape[:2]
        search, resize_factor = self._crop(frame, memo.state,
                                           cfg['search_factor'],
                                           cfg['search_size'])
        pred, score = self._run(search)
        box = map_box_back(pred.tolist(), memo.state, resize_factor,
                           cfg['search_size'])
        memo.state = clip_box(box, h, w, margin=10)
        if score is not None:
            self._update_templates(frame, score)
        return dict(bbox=memo.state.copy(),
                    score=-1.0 if score is None else score)

    def _update_templates(self, frame: np.ndarray, score: float) -> None:
        """Official online update: keep the best-scoring crop of each
        interval; every ``update_interval`` frames push it (FIFO over
        ``online_size`` slots) and reset to the first template."""
        cfg, memo = self.test_cfg, self.memo
        memo.max_score = memo.max_score * cfg['max_score_decay']
        if score > cfg['score_threshold'] and score > memo.max_score:
            memo.best_template, _ = self._crop(frame, memo.state,
                                               cfg['template_factor'],
                                               cfg['template_size'])
            memo.max_score = score
        if memo.frame_id % cfg['update_interval'] == 0:
            if cfg['online_size'] == 1:
                memo.online = memo.best_template
            elif memo.online.shape[0] < cfg['online_size']:
                memo.online = torch.cat([memo.online, memo.best_template])
            else:
                online = memo.online.clone()
                online[memo.forget_id] = memo.best_template[0]
                memo.online = online
                memo.forget_id = (memo.forget_id + 1) % cfg['online_size']
            self._refresh_cache()
            memo.max_score = -1.0
            memo.best_template = memo.template

    def predict(self, inputs, data_samples: List[BaseDataElement]
                ) -> List[BaseDataElement]:
        """One frame (batch 1). At ``frame_id`` 0 the tracker starts from
        the sample's ``init_bbox`` (x, y, w, h) and returns it; every box
        is (x, y, w, h), as the dataset and ``SOTMetric``."""
        if len(data_samples) != 1:
            raise ValueError('MixFormer tracks one frame at a time; set the '
                             'test dataloader batch_size to 1.')
        sample = copy.copy(data_samples[0])
        tic = time.perf_counter()
        frame = self._frame_rgb(inputs[0])
        frame_id = sample.metainfo.get('frame_id')
        if frame_id is None:
            raise KeyError('MixFormer.predict: the data sample has no '
                           'frame_id (pack frames with PackSOTInputs).')
        if frame_id == 0:
            box = np.asarray(sample.init_bbox, np.float64)
            self.init(frame, box)
            score = -1.0
        else:
            out = self.track(frame)
            box, score = out['bbox'], out['score']
        box = np.asarray(box, np.float64)
        sample.pred_bbox = box
        sample.score = float(score)
        sample.track_time = time.perf_counter() - tic
        return [sample]

    def _forward(self, inputs, data_samples=None):
        """Tensor mode (e.g. for FLOPs counting): the network on a batch
        of template / search crops (the ``loss`` inputs).

        Returns:
            tuple: boxes (B, 4) normalised (x1, y1, x2, y2) in the search
            crop, and score logits (B, ) (None without a score head).
        """
        template_feat, search_feat = self._features(inputs)
        boxes = self.box_head(search_feat)
        scores = None if self.score_branch is None else self.score_branch(
            search_feat, template_feat, boxes)
        return boxes, scores

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            with torch.no_grad():
                return self.predict(inputs, data_samples)
        return self._forward(inputs, data_samples)


__all__ = ['MixFormer']
