"""Corrupt and truncated images: skipped (and counted) in training, reported
by name in testing."""
import os.path as osp
import shutil

import numpy as np
import pytest

import projects.common  # noqa: F401
from projects.common.datasets import CorruptImageError, SafeLoadImageFromFile


@pytest.fixture
def images(shared_data, tmp_path):
    src = osp.join(shared_data, 'coco', 'tinycoco', 'train2017',
                   '000000480985.jpg')
    good = tmp_path / 'good.jpg'
    shutil.copy(src, good)
    data = open(src, 'rb').read()
    truncated = tmp_path / 'truncated.jpg'
    truncated.write_bytes(data[:len(data) // 2])
    garbage = tmp_path / 'garbage.png'
    garbage.write_bytes(b'\x89PNG\r\n\x1a\n' + b'\x00' * 100)
    empty = tmp_path / 'empty.jpg'
    empty.write_bytes(b'')
    return dict(good=str(good), truncated=str(truncated),
                garbage=str(garbage), empty=str(empty),
                missing=str(tmp_path / 'missing.jpg'))


def test_good_image_loads(images):
    out = SafeLoadImageFromFile()(dict(img_path=images['good']))
    assert out['img'].dtype == np.uint8 and out['img'].ndim == 3
    assert out['ori_shape'] == out['img'].shape[:2]


@pytest.mark.parametrize('kind', ['truncated', 'garbage', 'empty', 'missing'])
def test_testing_reports_the_file(images, kind):
    with pytest.raises(CorruptImageError) as info:
        SafeLoadImageFromFile(skip_bad=False)(dict(img_path=images[kind]))
    assert images[kind] in str(info.value) and 'Fix:' in str(info.value)


def test_training_skips_and_counts(images):
    before = SafeLoadImageFromFile.skipped
    loader = SafeLoadImageFromFile(skip_bad=True)
    assert loader(dict(img_path=images['truncated'])) is None
    assert loader(dict(img_path=images['garbage'])) is None
    assert SafeLoadImageFromFile.skipped == before + 2
    assert loader(dict(img_path=images['good'])) is not None
