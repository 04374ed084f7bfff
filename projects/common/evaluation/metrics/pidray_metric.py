"""PIDray evaluation: COCO AP on the easy, hard and hidden test subsets."""
from collections import OrderedDict
from typing import Dict, Optional, Sequence

from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mmdet.evaluation import CocoMetric
from mmdet.registry import METRICS
from ...datasets.pidray import PIDRAY_SUBSETS


@METRICS.register_module()
class PIDrayMetric(BaseMetric):
    """Evaluate each PIDray test subset with COCO bbox AP in one run.

    The PIDray paper (Wang et al., ICCV 2021, Table 3) reports AP@[.5:.95]
    on the easy, hard and hidden subsets and an *overall* figure that is the
    mean of the three subset APs. Each data sample must carry ``subset``
    (:class:`PIDrayDataset` with ``subset=...`` and ``'subset'`` in
    ``PackDetInputs.meta_keys``); image ids may repeat across subsets.

    Args:
        ann_files (dict): Subset name -> annotation file, e.g.
            ``dict(easy='.../xray_test_easy.json', ...)``.
        metric (str | list[str]): Passed to each subset's CocoMetric.
            Defaults to 'bbox'.
        classwise (bool): Per-class AP tables. Defaults to False.
        backend_args (dict, optional): File backend arguments.
        prefix (str, optional): Metric-name prefix. Defaults to 'pidray'.
    """

    default_prefix: Optional[str] = 'pidray'

    def __init__(self,
                 ann_files: Dict[str, str],
                 metric='bbox',
                 classwise: bool = False,
                 backend_args: Optional[dict] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        unknown = set(ann_files) - set(PIDRAY_SUBSETS)
        if unknown:
            raise ValueError(f'PIDrayMetric.ann_files: unknown subsets '
                             f'{sorted(unknown)}; expected {PIDRAY_SUBSETS}')
        self.subsets = [s for s in PIDRAY_SUBSETS if s in ann_files]
        self.metric = metric
        self._subs = OrderedDict(
            (name,
             CocoMetric(
                 ann_file=ann_files[name],
                 metric=metric,
                 classwise=classwise,
                 backend_args=backend_args,
                 prefix=name)) for name in self.subsets)

    @BaseMetric.dataset_meta.setter
    def dataset_meta(self, value: dict) -> None:
        self._dataset_meta = value
        for sub in self._subs.values():
            sub.dataset_meta = value

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            subset = sample.get('subset')
            if subset not in self._subs:
                raise KeyError(
                    f'PIDrayMetric: a sample of {sample.get("img_path")} has '
                    f'subset={subset!r}, expected one of {self.subsets}. Fix: '
                    "build the test set from PIDrayDataset(subset=...) and "
                    "add 'subset' to PackDetInputs.meta_keys.")
            sub = self._subs[subset]
            sub.process(data_batch, [sample])
            self.results.append((subset, sub.results.pop()))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        logger = MMLogger.get_current_instance()
        metrics: Dict[str, float] = OrderedDict()
        per_subset_ap = {}
        for name, sub in self._subs.items():
            part = [item for subset, item in results if subset == name]
            if not part:
                logger.warning(f'PIDrayMetric: no predictions for subset '
                               f'"{name}"; it is left out.')
                continue
            logger.info(f'PIDray subset "{name}": {len(part)} images')
            sub_metrics = sub.compute_metrics(part)
            for key, value in sub_metrics.items():
                metrics[f'{name}_{key}'] = value
            if 'bbox_mAP' in sub_metrics:
                per_subset_ap[name] = sub_metrics['bbox_mAP']
        if len(per_subset_ap) == len(PIDRAY_SUBSETS):
            metrics['overall_bbox_mAP'] = round(
                sum(per_subset_ap.values()) / len(per_subset_ap), 3)
        table = ' | '.join(f'{name} {ap * 100:.1f}'
                           for name, ap in per_subset_ap.items())
        overall = metrics.get('overall_bbox_mAP')
        logger.info('PIDray bbox AP (paper convention, overall = mean of the '
                    f'subsets): {table}' +
                    (f' | overall {overall * 100:.1f}'
                     if overall is not None else ' | overall n/a (a subset '
                     'is missing)'))
        return metrics
