"""demo/scanpath_demo.py: a tiny random detector and a tiny random OAT on
a real COCO photo (../shared/data)."""
import glob
import json
import os.path as osp

import cv2
import pytest
import torch
from mmengine.config import Config

import projects.common  # noqa: F401
from mmdet.registry import MODELS
from mmdet.utils import register_all_modules
from projects.common.testing import (ROOT, TOY_CONFIG,
                                     save_random_toy_detector, tool_main)

TINY_OAT = '''
_base_ = '{base}'
model = dict(embed_dims=32, num_heads=2, ffn_dims=32, num_encoder_layers=1,
             num_decoder_layers=1, pointer_dims=32, max_len=6,
             pe_table=dict(size=14, steps=100))
'''


@pytest.fixture(scope='module')
def tiny_models(tmp_path_factory):
    register_all_modules()
    import projects.oat  # noqa: F401
    folder = tmp_path_factory.mktemp('scanpath_models')
    det_ckpt = save_random_toy_detector(str(folder / 'det.pth'))
    oat_cfg = folder / 'oat_tiny.py'
    oat_cfg.write_text(TINY_OAT.format(
        base=osp.join(ROOT, 'configs', 'oat', 'oat_toy.py')))
    oat = MODELS.build(Config.fromfile(str(oat_cfg)).model)
    oat.init_weights()
    oat_ckpt = str(folder / 'oat.pth')
    torch.save(dict(state_dict=oat.state_dict()), oat_ckpt)
    return det_ckpt, str(oat_cfg), oat_ckpt


def test_scanpath_demo_draws_numbered_fixations_on_a_photo(
        shared_data, tiny_models, tmp_path):
    det_ckpt, oat_cfg, oat_ckpt = tiny_models
    image = sorted(glob.glob(osp.join(shared_data, 'coco', 'tinycoco',
                                      'train2017', '*.jpg')))[0]
    out, js = tmp_path / 'scanpath.jpg', tmp_path / 'scanpath.json'
    main = tool_main('demo/scanpath_demo.py')
    main([image, TOY_CONFIG, det_ckpt, oat_cfg, oat_ckpt,
          '--target-class', 'circle', '--score-thr', '0', '--max-objects',
          '30', '--out', str(out), '--json', str(js)])
    drawn, photo = cv2.imread(str(out)), cv2.imread(image)
    assert drawn.shape == photo.shape and (drawn != photo).any()
    result = json.loads(js.read_text())
    assert result['target_class'] == 'circle'
    assert 1 <= len(result['fixations']) <= 6
    for fix in result['fixations']:
        assert len(fix['box']) == 4 and len(fix['grid']) == 2
    assert max(result['layout']) <= 14
    # a class the detector does not have: one clear line, nothing written
    bad = tmp_path / 'bad.jpg'
    from projects.common.utils import UserInputError
    with pytest.raises(UserInputError, match='not a class'):
        main([image, TOY_CONFIG, det_ckpt, oat_cfg, oat_ckpt,
              '--target-class', 'zebra', '--out', str(bad)])
    assert not bad.exists()
