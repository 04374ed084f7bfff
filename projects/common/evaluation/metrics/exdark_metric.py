"""COCO bbox AP for ExDark, overall and per lighting type."""
import contextlib
import io
from collections import defaultdict
from typing import Dict, List, Sequence

from mmengine.logging import MMLogger

from mmdet.datasets.api_wrappers import COCOeval
from mmdet.evaluation import CocoMetric
from mmdet.registry import METRICS
from ...datasets.exdark import EXDARK_LIGHTING


@METRICS.register_module()
class ExDarkMetric(CocoMetric):
    """:class:`mmdet.evaluation.CocoMetric` plus AP per lighting type.

    The annotation file must carry each image's ``light`` (1-10), as written
    by ``tools/dataset_converters/exdark_to_coco.py``. Reported keys:
    ``coco/bbox_mAP`` ... as CocoMetric, and
    ``coco/light_<Name>_bbox_mAP`` / ``..._bbox_mAP_50`` per lighting type.

    Args:
        per_light (bool): Also evaluate each lighting type. Defaults to True.
        **kwargs: Passed to CocoMetric; ``metric`` must include 'bbox'.
    """

    def __init__(self, per_light: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.per_light = per_light

    def _detections(self, preds: Sequence[dict]) -> List[dict]:
        dets = []
        for pred in preds:
            for box, score, label in zip(pred['bboxes'], pred['scores'],
                                         pred['labels']):
                dets.append(
                    dict(image_id=pred['img_id'], bbox=self.xyxy2xywh(box),
                         score=float(score),
                         category_id=self.cat_ids[int(label)]))
        return dets

    def compute_metrics(self, results: list) -> Dict[str, float]:
        metrics = super().compute_metrics(results)
        if not self.per_light or self.format_only:
            return metrics
        logger = MMLogger.get_current_instance()
        coco_gt = self._coco_api
        groups = defaultdict(list)
        evaluated = {res['img_id'] for _, res in results}
        for img_id in evaluated:
            light = coco_gt.imgs[img_id].get('light')
            if light is None:
                logger.warning(
                    f'{self.ann_file}: images have no "light" field, so AP '
                    'per lighting type is skipped. Fix: convert the '
                    'annotations with tools/dataset_converters/'
                    'exdark_to_coco.py --class-list imageclasslist.txt')
                return metrics
            groups[int(light)].append(img_id)
        dets = self._detections([res for _, res in results])
        coco_dt = coco_gt.loadRes(dets) if dets else None
        lines = ['AP per lighting type (bbox, COCO AP@[.5:.95] / AP50):']
        for light in sorted(groups):
            name = EXDARK_LIGHTING[light - 1]
            if coco_dt is None:
                ap, ap50 = 0.0, 0.0
            else:
                # the same settings as the overall figure (CocoMetric)
                evaluator = COCOeval(coco_gt, coco_dt, 'bbox')
                evaluator.params.catIds = self.cat_ids
                evaluator.params.imgIds = sorted(groups[light])
                evaluator.params.maxDets = list(self.proposal_nums)
                evaluator.params.iouThrs = self.iou_thrs
                with contextlib.redirect_stdout(io.StringIO()):
                    evaluator.evaluate()
                    evaluator.accumulate()
                    evaluator.summarize()
                ap, ap50 = (float(v) for v in evaluator.stats[:2])
            if ap < 0:  # no ground truth box under this light
                lines.append(f'  {light:>2} {name:<9} images='
                             f'{len(groups[light]):>5}  no ground truth')
                continue
            metrics[f'light_{name}_bbox_mAP'] = round(ap, 3)
            metrics[f'light_{name}_bbox_mAP_50'] = round(ap50, 3)
            lines.append(f'  {light:>2} {name:<9} images={len(groups[light]):>5}'
                         f'  AP={ap:.3f}  AP50={ap50:.3f}')
        logger.info('\n'.join(lines))
        return metrics
