"""PIDray / ExDark / toy datasets and the strict class checks."""
import json
import os.path as osp
import re

import pytest

import projects.common  # noqa: F401
from projects.common.datasets import (PIDrayDataset, StrictCocoDataset,
                                      ToyShapesDataset)
from projects.common.utils import DatasetNotFoundError, check_dataset_paths
from mmengine.config import Config

from projects.common.testing import ROOT


def test_pidray_class_order_matches_official_readme(shared_data):
    readme = open(osp.join(shared_data, 'README.md')).read()
    line = re.search(r'Class order: ([^;]+);', readme).group(1)
    official = tuple(name.strip() for name in line.split(','))
    assert PIDrayDataset.METAINFO['classes'] == official
    assert len(official) == 12


def _coco(path, names, anns):
    json.dump(dict(
        images=[dict(id=1, file_name='a.png', width=64, height=64)],
        annotations=[dict(id=i + 1, image_id=1, category_id=c, bbox=b,
                          area=b[2] * b[3], iscrowd=0)
                     for i, (c, b) in enumerate(anns)],
        categories=[dict(id=i + 1, name=n) for i, n in enumerate(names)]),
        open(path, 'w'))
    return str(path)


def test_class_name_mismatch_is_an_error_not_map_0(tmp_path):
    path = _coco(tmp_path / 'a.json', ['Circle', 'square', 'triangle'],
                 [(1, [1, 1, 10, 10])])
    with pytest.raises(ValueError, match="metainfo=dict\\(classes="):
        ToyShapesDataset(ann_file=path, data_prefix=dict(img=''),
                         pipeline=[])


def test_unknown_category_annotations_are_reported(tmp_path):
    path = _coco(tmp_path / 'a.json', ['circle', 'square', 'triangle', 'star'],
                 [(1, [1, 1, 10, 10]), (4, [5, 5, 10, 10])])
    with pytest.raises(ValueError, match='dropped 1 annotations'):
        ToyShapesDataset(ann_file=path, data_prefix=dict(img=''),
                         pipeline=[])
    # a user-restricted class list warns (and counts) instead of failing
    dataset = StrictCocoDataset(
        ann_file=path, data_prefix=dict(img=''), pipeline=[],
        metainfo=dict(classes=('circle', 'square', 'triangle')))
    assert dataset._dropped == {'category_id 4': 1}
    assert len(dataset[0]['instances']) == 1


def test_pidray_subset_is_carried(tmp_path):
    path = _coco(tmp_path / 'easy.json', PIDrayDataset.METAINFO['classes'],
                 [(12, [1, 1, 10, 10])])
    dataset = PIDrayDataset(ann_file=path, subset='easy',
                            data_prefix=dict(img=''), pipeline=[],
                            test_mode=True)
    assert dataset[0]['subset'] == 'easy'
    assert dataset[0]['instances'][0]['bbox_label'] == 11  # Lighter
    with pytest.raises(ValueError, match='subset'):
        PIDrayDataset(ann_file=path, subset='medium', pipeline=[])


def test_missing_dataset_names_field_and_fix(tmp_path):
    cfg = Config.fromfile(osp.join(ROOT, 'configs', '_base_', 'datasets',
                                   'pidray_detection.py'))
    with pytest.raises(DatasetNotFoundError) as info:
        check_dataset_paths(cfg, ['train_dataloader'])
    message = str(info.value)
    assert 'train_dataloader.dataset.data_root' in message
    assert 'data/pidray/' in message and 'data/README.md' in message
    # the root exists but an annotation file does not
    (tmp_path / 'annotations').mkdir()
    cfg.merge_from_dict({'test_dataloader.dataset.datasets.0.data_root':
                         str(tmp_path) + '/'})
    with pytest.raises(DatasetNotFoundError) as info:
        check_dataset_paths(cfg, ['test_dataloader'])
    assert 'test_dataloader.dataset.datasets[0].ann_file' in str(info.value)
    assert 'xray_test_easy.json' in str(info.value)
