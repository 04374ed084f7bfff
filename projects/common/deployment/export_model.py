"""A detector as one graph: normalised image in; boxes, scores, labels out.

:class:`ExportableDetector` wraps an mmdet detector for ``torch.onnx.export``
(tools/deployment/pytorch2onnx.py). Its input is what the detector's data
preprocessor produces: a (1, 3, H, W) float tensor, normalised and padded.
Its outputs, post-processing included, are for that tensor's pixels:

* ``boxes`` (N, 4) float, x1 y1 x2 y2 in input pixels (clipped to H x W),
* ``scores`` (N,) float, descending,
* ``labels`` (N,) int64, class indices.

Two families, chosen by the detector's class:

* DETR-like detectors (:class:`mmdet.models.DetectionTransformer`: the
  Relation-, Plain- and Focus-DETR of this project, mmdet's DINO, ...):
  the detector's own ``predict`` with ``rescale=False``. Their
  post-processing (sigmoid, top-k over queries x classes, boxes to
  pixels) has fixed shapes; only its last step,
  ``DETRHead._predict_by_feat_single``, writes in place into strided
  views of the boxes (``boxes[:, 0::2].clamp_()``), which the traced graph
  loses (every box came out 0). While exporting, that step is
  :func:`detr_single_image_results`: the same numbers, without writes
  into views.
* single-stage detectors with a sigmoid anchor head (RetinaNet, with any
  backbone: ResNet, BiFormer, ResNet-ELA): the head's outputs, then
  :func:`dense_post_process`, which computes what mmdet's
  ``_predict_by_feat_single`` + ``batched_nms`` compute but without
  Python-level branches on the data (those would freeze the traced
  input's candidate counts into the graph).

A new detector family joins by adding a branch to
:meth:`ExportableDetector.forward` (and a test comparing it with the
detector's ``predict``).
"""
from contextlib import contextmanager
from typing import Iterator, List, Tuple

import torch
import torch.nn.functional as F
from mmengine.structures import InstanceData
from torch import Tensor, nn
from torchvision.ops import batched_nms

from mmdet.models.dense_heads import DETRHead
from mmdet.models.task_modules.coders import DeltaXYWHBBoxCoder
from mmdet.models.task_modules.coders.delta_xywh_bbox_coder import \
    delta2bbox
from mmdet.models.detectors import DetectionTransformer, SingleStageDetector
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy
from projects.common.models import set_msda_fast, use_explicit_attention

ExportOutputs = Tuple[Tensor, Tensor, Tensor]


def export_family(detector: nn.Module) -> str:
    """'detr' or 'dense'; raises ``TypeError`` for what cannot export."""
    if isinstance(detector, DetectionTransformer):
        return 'detr'
    if isinstance(detector, SingleStageDetector):
        head = detector.bbox_head
        if (hasattr(head, 'prior_generator')
                and getattr(head, 'use_sigmoid_cls', False)
                and isinstance(getattr(head, 'bbox_coder', None),
                               DeltaXYWHBBoxCoder)):
            return 'dense'
    head = type(getattr(detector, 'bbox_head', None)).__name__
    raise TypeError(
        f'{type(detector).__name__} with {head} has no ONNX export here: '
        'DETR-like detectors and single-stage detectors with a sigmoid '
        'anchor head (RetinaNet) are supported.')


def image_sample(height: int, width: int) -> DetDataSample:
    """The data sample of one unpadded (height, width) input, scale 1."""
    return DetDataSample(metainfo=dict(
        img_shape=(height, width), ori_shape=(height, width),
        batch_input_shape=(height, width), pad_shape=(height, width),
        scale_factor=(1.0, 1.0)))


def detr_single_image_results(head: DETRHead, cls_score: Tensor,
                              bbox_pred: Tensor, img_meta: dict,
                              rescale: bool = True) -> InstanceData:
    """What ``DETRHead._predict_by_feat_single`` computes (the top
    ``max_per_img`` (query, class) scores, their boxes in pixels clipped to
    the image, optionally rescaled), written without in-place writes into
    views so that a traced graph keeps every step."""
    max_per_img = head.test_cfg.get('max_per_img', cls_score.size(0))
    height, width = img_meta['img_shape']
    if head.loss_cls.use_sigmoid:
        scores, index = cls_score.sigmoid().view(-1).topk(max_per_img)
        labels = index % head.num_classes
        bbox_pred = bbox_pred[torch.div(index, head.num_classes,
                                        rounding_mode='floor')]
    else:
        scores, labels = F.softmax(cls_score, dim=-1)[..., :-1].max(-1)
        scores, index = scores.topk(max_per_img)
        bbox_pred, labels = bbox_pred[index], labels[index]
    size = bbox_pred.new_tensor([width, height, width, height])
    boxes = torch.min((bbox_cxcywh_to_xyxy(bbox_pred) * size).clamp(min=0),
                      size)
    if rescale:
        boxes = boxes / boxes.new_tensor(img_meta['scale_factor']).repeat(
            (1, 2))
    return InstanceData(bboxes=boxes, scores=scores, labels=labels)


@contextmanager
def traceable_detr_post_process() -> Iterator[None]:
    """Within: ``DETRHead._predict_by_feat_single`` (which subclasses such
    as Plain-DETR's head call through ``super()``) is
    :func:`detr_single_image_results`."""
    original = DETRHead._predict_by_feat_single
    DETRHead._predict_by_feat_single = detr_single_image_results
    try:
        yield
    finally:
        DETRHead._predict_by_feat_single = original


def _decode(coder: DeltaXYWHBBoxCoder, priors: Tensor, deltas: Tensor,
            img_shape: Tuple[int, int]) -> Tensor:
    """``coder.decode(priors, deltas, max_shape=img_shape)`` for a traced
    graph: mmdet's decode takes, while exporting, a path that imports a
    module mmdet 3 no longer has, and its border clip writes into views;
    here the boxes are decoded unclipped, then clipped without in-place
    writes."""
    boxes = delta2bbox(priors, deltas, coder.means, coder.stds, None,
                       add_ctr_clamp=coder.add_ctr_clamp,
                       ctr_clamp=coder.ctr_clamp)
    if not coder.clip_border:
        return boxes
    height, width = img_shape
    size = boxes.new_tensor([width, height, width, height])
    return torch.min(boxes.clamp(min=0), size)


def dense_post_process(head: nn.Module, cls_scores: List[Tensor],
                       bbox_preds: List[Tensor],
                       img_shape: Tuple[int, int]) -> ExportOutputs:
    """Boxes, scores and labels of one image from a sigmoid anchor head.

    The same result as the head's ``predict_by_feat`` (``rescale=False``)
    with NMS: per level the ``nms_pre`` best (anchor, class) scores above
    ``score_thr`` (taking the ``nms_pre`` best first and thresholding after
    selects the same set), boxes decoded by the head's coder and clipped,
    boxes not wider and higher than ``min_bbox_size`` dropped, class-aware
    NMS, the ``max_per_img`` best.

    Args:
        head (nn.Module): An anchor head (``prior_generator``,
            ``bbox_coder``, ``test_cfg``, sigmoid classification).
        cls_scores (list[Tensor]): Per level (1, A * C, h, w).
        bbox_preds (list[Tensor]): Per level (1, A * 4, h, w).
        img_shape (tuple[int, int]): (H, W) of the input.
    """
    cfg = head.test_cfg
    num_classes = head.cls_out_channels
    nms_pre = cfg.get('nms_pre', -1)
    score_thr = cfg.get('score_thr', 0)
    priors = head.prior_generator.grid_priors(
        [score.shape[-2:] for score in cls_scores],
        dtype=cls_scores[0].dtype, device=cls_scores[0].device)
    all_boxes, all_scores, all_labels = [], [], []
    for cls_score, bbox_pred, prior in zip(cls_scores, bbox_preds, priors):
        scores = cls_score[0].permute(1, 2, 0).reshape(-1).sigmoid()
        deltas = bbox_pred[0].permute(1, 2, 0).reshape(
            -1, head.bbox_coder.encode_size)
        num_topk = scores.numel() if nms_pre <= 0 else min(
            nms_pre, scores.numel())
        scores, index = scores.topk(num_topk)
        anchor = torch.div(index, num_classes, rounding_mode='floor')
        all_scores.append(scores)
        all_labels.append(index % num_classes)
        all_boxes.append(_decode(head.bbox_coder, prior[anchor],
                                 deltas[anchor], img_shape))
    boxes = torch.cat(all_boxes)
    scores = torch.cat(all_scores)
    labels = torch.cat(all_labels)
    valid = scores > score_thr
    min_size = cfg.get('min_bbox_size', -1)
    if min_size >= 0:  # as mmdet's _bbox_post_process
        valid = valid & (boxes[:, 2] - boxes[:, 0] > min_size) & (
            boxes[:, 3] - boxes[:, 1] > min_size)
    boxes, scores, labels = boxes[valid], scores[valid], labels[valid]
    if cfg.nms.get('class_agnostic', False):
        labels_for_nms = torch.zeros_like(labels)
    else:
        labels_for_nms = labels
    keep = batched_nms(boxes, scores, labels_for_nms, cfg.nms.iou_threshold)
    keep = keep[:cfg.get('max_per_img', 100)]
    return boxes[keep], scores[keep], labels[keep]


class ExportableDetector(nn.Module):
    """A detector whose forward is ``image tensor -> (boxes, scores,
    labels)`` for one image (see the module docstring).

    Args:
        detector (nn.Module): An mmdet detector in eval mode.
    """

    def __init__(self, detector: nn.Module) -> None:
        super().__init__()
        self.family = export_family(detector)
        # ONNX has GridSample, not a weighted embedding bag: deformable
        # attention exports through mmcv's grid_sample path; self-attention
        # through mmcv's explicit one (MatMul, Softmax), so that PyTorch
        # computes what the graph computes in the export check (the fused
        # kernel rounds otherwise, and with random weights that reorders
        # near-tied top-k scores)
        self.detector = use_explicit_attention(
            set_msda_fast(detector, False))

    def forward(self, inputs: Tensor) -> ExportOutputs:
        """(1, 3, H, W) normalised image -> boxes, scores, labels."""
        height, width = inputs.shape[-2:]
        if self.family == 'detr':
            with traceable_detr_post_process():
                results = self.detector.predict(
                    inputs, [image_sample(height, width)], rescale=False)[0]
            found = results.pred_instances
            return found.bboxes, found.scores, found.labels
        feats = self.detector.extract_feat(inputs)
        cls_scores, bbox_preds = self.detector.bbox_head(feats)
        return dense_post_process(self.detector.bbox_head, cls_scores,
                                  bbox_preds, (height, width))


def export_onnx(wrapper: ExportableDetector, inputs: Tensor, path: str,
                opset: int = 17, dynamic: bool = False) -> None:
    """Trace ``wrapper`` on ``inputs`` into ``path`` (TorchScript-based
    exporter): input ``input``, outputs ``boxes``, ``scores``, ``labels``
    with a free detection count; free H and W with ``dynamic``."""
    import warnings
    axes = {name: {0: 'num_detections'}
            for name in ('boxes', 'scores', 'labels')}
    if dynamic:
        axes['input'] = {2: 'height', 3: 'width'}
    with warnings.catch_warnings(), torch.no_grad():
        # the tracer's "might not generalize" notes: callers check the graph
        warnings.simplefilter('ignore')
        torch.onnx.export(
            wrapper, (inputs, ), path, input_names=['input'],
            output_names=['boxes', 'scores', 'labels'], opset_version=opset,
            dynamic_axes=axes, do_constant_folding=True, dynamo=False)
