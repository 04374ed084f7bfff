"""A COCO-format dataset that refuses to lose annotations silently."""
from collections import Counter
from typing import List, Union

from mmengine.logging import print_log

from mmdet.datasets import CocoDataset
from mmdet.registry import DATASETS


@DATASETS.register_module()
class StrictCocoDataset(CocoDataset):
    """:class:`mmdet.datasets.CocoDataset` with checks on the class list.

    mmdet keeps only the annotations whose category *name* is in
    ``metainfo['classes']`` and drops the others without a word, which is the
    usual cause of "my custom dataset gives mAP 0". This class:

    * raises when a class of ``metainfo`` is absent from the annotation file
      (a spelling or case mismatch), naming both lists;
    * counts the annotations it drops (unknown category, empty box) and
      reports them, or raises when ``strict_categories`` is True.

    Args:
        strict_categories (bool): Raise instead of warn when the file has
            annotations of categories outside ``metainfo['classes']``.
            Defaults to False.
        **kwargs: Passed to :class:`mmdet.datasets.CocoDataset`.
    """

    def __init__(self, *args, strict_categories: bool = False, **kwargs):
        self.strict_categories = strict_categories
        self._dropped: Counter = Counter()
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        self._dropped = Counter()
        data_list = super().load_data_list()
        classes = list(self.metainfo['classes'])
        if len(self.cat_ids) != len(classes):
            raise ValueError(
                f'{self.ann_file}: the classes {classes} of '
                f'{type(self).__name__} do not all appear among the file\'s '
                f'categories (matched ids {self.cat_ids}). Category names must '
                'match exactly, including case. Fix: set '
                'metainfo=dict(classes=(...)) in the dataset config to the '
                'names in the file\'s "categories" list.')
        if self._dropped:
            unknown = {k: v for k, v in self._dropped.items()
                       if k != 'empty box'}
            message = (f'{self.ann_file}: dropped {sum(self._dropped.values())}'
                       f' annotations: {dict(self._dropped)}.')
            if unknown and self.strict_categories:
                raise ValueError(
                    message + ' Their category ids are not among the classes '
                    f'{classes}. Fix: convert the file with the right class '
                    'list or use the dataset type matching it.')
            print_log(message, logger='current', level=30)
        return data_list

    def parse_data_info(self, raw_data_info: dict) -> Union[dict, List[dict]]:
        for ann in raw_data_info['raw_ann_info']:
            if ann.get('ignore', False):
                continue
            if ann['category_id'] not in self.cat_ids:
                self._dropped[f'category_id {ann["category_id"]}'] += 1
            else:
                _, _, w, h = ann['bbox']
                if ann['area'] <= 0 or w < 1 or h < 1:
                    self._dropped['empty box'] += 1
        return super().parse_data_info(raw_data_info)
