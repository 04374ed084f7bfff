"""The toy pipelines give a model at test time what training gives it: a
square canvas, 128 px in configs/_base_/datasets/toy_detection.py and
160 px in the make demo config, whatever the input's shape.
"""
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import Compose

from projects.common.testing import ROOT

BASE = osp.join(ROOT, 'configs', '_base_', 'datasets', 'toy_detection.py')
DEMO = osp.join(ROOT, 'configs', 'relation_detr',
                'relation-detr_r18-no-hybrid_1xb4-1300i_toy.py')


@pytest.fixture(scope='module', autouse=True)
def _mmdet_registry():
    from mmdet.utils import register_all_modules
    register_all_modules()


def frame_pipeline(config: str) -> Compose:
    """The config's test pipeline as the demos run it on a video frame
    (projects.common.apis.inference_pipeline)."""
    from types import SimpleNamespace

    from projects.common.apis import inference_pipeline
    return inference_pipeline(
        SimpleNamespace(cfg=Config.fromfile(config)), from_array=True)


@pytest.mark.parametrize('config,canvas', [(BASE, 128), (DEMO, 160)])
def test_a_4_to_3_frame_is_letterboxed_into_the_training_square(
        config, canvas):
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, (144, 192, 3), dtype=np.uint8)
    out = frame_pipeline(config)(dict(img=frame, img_id=0))
    sample = out['data_samples']
    rows = canvas * 3 // 4  # the frame's height once its width is canvas
    assert tuple(out['inputs'].shape) == (3, canvas, canvas)
    # the boxes a DETR predicts are normalised to this square; the scale
    # factor takes them back to the frame's pixels
    assert tuple(sample.img_shape) == (canvas, canvas)
    assert tuple(sample.ori_shape) == (144, 192)
    np.testing.assert_allclose(sample.scale_factor,
                               (canvas / 192, rows / 144))
    image = out['inputs'].permute(1, 2, 0).numpy()
    assert (image[rows:] == 114).all()  # grey below the frame
    assert np.abs(image[:rows].astype(int) - 114).max() > 100  # the frame


def test_a_square_test_image_is_left_as_it_is():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 255, (128, 128, 3), dtype=np.uint8)
    out = frame_pipeline(BASE)(dict(img=image, img_id=0))
    assert tuple(out['data_samples'].scale_factor) == (1.0, 1.0)
    np.testing.assert_array_equal(out['inputs'].permute(1, 2, 0).numpy(),
                                  image)


def test_demo_training_zooms_out_into_its_canvas(tmp_path):
    """The make demo config's training pipeline: every toy image is
    scaled to the 160 px canvas, half of them zoomed out first (Expand in
    grey); every image is a 160 px square and every box stays on its
    shape."""
    import cv2
    cfg = Config.fromfile(DEMO)
    image = np.full((128, 128, 3), 60, np.uint8)
    image[40:72, 20:52] = (0, 0, 255)  # a red square, box [20, 40, 52, 72]
    path = str(tmp_path / 'square.png')
    cv2.imwrite(path, image)
    pipeline = Compose(cfg.train_dataloader.dataset.pipeline)
    widths = []
    for seed in range(12):
        np.random.seed(seed)
        out = pipeline(
            dict(img_path=path, img_id=0,
                 instances=[dict(bbox=[20., 40., 52., 72.], bbox_label=1,
                                 ignore_flag=0)]))
        img = out['inputs'].permute(1, 2, 0).numpy()
        assert img.shape == (160, 160, 3)
        x1, y1, x2, y2 = out['data_samples'].gt_instances.bboxes.tensor[0]
        inner = img[int(y1) + 2:int(y2) - 2, int(x1) + 2:int(x2) - 2]
        assert (np.abs(inner.astype(int) - (0, 0, 255)).max(-1) < 40).all()
        widths.append(float(x2 - x1))
    # 32 px x 160 / 128 unless zoomed out
    assert max(widths) == 40 and min(widths) < 38
