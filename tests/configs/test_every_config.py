"""The contract every config of configs/ keeps (found by glob, so a config
is tested the day it lands): it loads, its model builds on CPU with the
pretrained loading switched off and runs one forward in the mode it
supports on a small input, and its datasets build wherever their files
exist (the toy data made here; the real samples of ../shared/data).

Detectors run ``predict`` on one 128x160 image; trackers their tensor
mode on template / search crops; scanpath models a loss and a short
decoding over six random object crops. Models above :data:`SLOW_PARAMS`
parameters are built and run only with ``--runslow``.
"""
import copy
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmdet.models.detectors import BaseDetector
from projects.common.testing import ROOT, SHARED_DATA
from projects.common.utils import build_model_from_config, load_model_config

CONFIGS = sorted(
    p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                         recursive=True)
    if f'{osp.sep}_base_{osp.sep}' not in p)
#: models larger than this are slow to build and run on 2 CPU cores
SLOW_PARAMS = 60_000_000
#: data roots of the configs -> local copies, where this machine has them
SAMPLE_ROOTS = {'data/coco/': osp.join(SHARED_DATA, 'coco', 'tinycoco')}


def _rel(path):
    return osp.relpath(path, osp.join(ROOT, 'configs'))


def test_configs_are_found():
    assert len(CONFIGS) >= 20
    assert any(p.endswith('relation-detr_r18_1xb4-1000i_toy.py')
               for p in CONFIGS)


def _detector_forward(model):
    from mmdet.testing import demo_mm_inputs
    packed = demo_mm_inputs(batch_size=1, image_shapes=[(3, 128, 160)],
                            num_items=[2], num_classes=2)
    data = model.data_preprocessor(packed, False)
    results = model.forward(**data, mode='predict')
    assert len(results) == 1
    pred = results[0].pred_instances
    assert pred.bboxes.shape[-1] == 4 and len(pred.bboxes) == len(
        pred.scores) == len(pred.labels)
    return results


def _tracker_forward(model):
    size_t = model.test_cfg['template_size']
    size_s = model.test_cfg['search_size']
    g = torch.Generator().manual_seed(0)
    inputs = [
        dict(template=torch.randint(0, 256, (2, 3, size_t, size_t),
                                    generator=g, dtype=torch.uint8),
             search=torch.randint(0, 256, (3, size_s, size_s), generator=g,
                                  dtype=torch.uint8))
    ]
    boxes, scores = model.forward(inputs, mode='tensor')
    assert boxes.shape == (1, 4) and torch.isfinite(boxes).all()
    if scores is not None:
        assert scores.shape == (1, )
    return boxes


def _scanpath_forward(model):
    import numpy as np
    from mmengine.structures import BaseDataElement
    g = torch.Generator().manual_seed(0)
    idx = np.arange(6)
    sample = BaseDataElement(positions=np.stack([idx // 3, idx % 3], 1),
                             target=4, layout=(2, 3), gt_scanpath=[0, 4])
    crops = torch.randint(0, 256, (6, 3) + tuple(model.crop_size),
                          generator=g, dtype=torch.uint8)
    data = model.data_preprocessor(
        dict(inputs=[crops], data_samples=[sample]), False)
    loss = model.loss(data['inputs'], data['data_samples'])['loss_scanpath']
    assert torch.isfinite(loss)
    path = model.generate(data['inputs'], 'greedy', max_len=3)[0]
    assert 1 <= len(path) <= 3 and all(0 <= p < 6 for p in path)
    return path


def _dataset_cfgs(node, found):
    """Every dataset config (a dict with a 'type') inside a dataloader's
    ``dataset``, wrappers' inner datasets included."""
    if isinstance(node, dict):
        if 'type' in node and ('data_root' in node or 'ann_file' in node):
            found.append(node)
        for value in node.values():
            _dataset_cfgs(value, found)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _dataset_cfgs(value, found)
    return found


def _localise(cfg, local_roots):
    """Point the known data roots at their local copies; returns whether a
    dataset of the config can be built here (all its files exist)."""
    roots = dict(SAMPLE_ROOTS, **local_roots)
    buildable = []
    for split in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(split)
        if not loader:
            continue
        datasets = _dataset_cfgs(loader.get('dataset'), [])
        if not datasets:
            continue
        present = True
        for ds in datasets:
            root = ds.get('data_root', '')
            for src, dst in roots.items():
                if root.startswith(src):
                    ds['data_root'] = osp.join(dst, root[len(src):])
            ann = ds.get('ann_file')
            path = ds.get('data_root', '')
            if ann:
                path = ann if osp.isabs(ann) else osp.join(path, ann)
            present &= bool(path) and osp.exists(path)
        if present:
            buildable.append(split)
    return buildable


@pytest.mark.parametrize('config', CONFIGS, ids=_rel)
def test_config_builds_and_runs(config, request, toy_data,
                                toy_scanpath_data):
    cfg = Config.fromfile(config)
    load_model_config(cfg)  # scope and custom imports
    torch.manual_seed(0)
    model = build_model_from_config(copy.deepcopy(cfg))
    params = sum(p.numel() for p in model.parameters())
    if params > SLOW_PARAMS and not request.config.getoption('--runslow'):
        pytest.skip(f'slow: {params / 1e6:.0f} M parameters > '
                    f'{SLOW_PARAMS / 1e6:.0f} M; run with --runslow')
    model.init_weights()
    model.eval()
    with torch.no_grad():
        if isinstance(model, BaseDetector):
            _detector_forward(model)
        elif hasattr(model, 'generate'):  # scanpath models (OAT)
            _scanpath_forward(model)
        else:
            _tracker_forward(model)

    from mmdet.registry import DATASETS
    for split in _localise(cfg, {'data/toy/': toy_data,
                                 'data/toy_scanpath/': toy_scanpath_data}):
        dataset = DATASETS.build(cfg[split]['dataset'])
        assert len(dataset) > 0, f'{_rel(config)} {split}: empty dataset'
        assert dataset[0] is not None
