"""tools/model_converters/oat_to_mmdet.py on a checkpoint with the official
key set (tests/fixtures/oat_official_keys.txt, written from the official
model) and random weights."""
import os.path as osp

import numpy as np
import pytest
import torch

from projects.common.testing import ROOT, tool_main

KEYS = osp.join(ROOT, 'tests', 'fixtures', 'oat_official_keys.txt')


def official_state(seed=0):
    g = torch.Generator().manual_seed(seed)
    state = {}
    with open(KEYS) as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            key, *shape = line.split()
            state[key] = torch.randn(*map(int, shape), generator=g)
    return state


def test_every_official_key_is_placed_or_dropped_on_purpose(tmp_path):
    from mmengine.registry import init_default_scope
    init_default_scope('mmdet')
    from projects.oat.checkpoint import convert_official_oat
    state = official_state()
    assert len(state) == 141
    result = convert_official_oat(state, np.ones((14, 86), np.float32))
    assert result.unplaced == []
    assert sorted(result.dropped) == sorted([
        'model.generator.weight', 'model.generator.bias',
        'model.LinearEmbedding.weight', 'model.LinearEmbedding.bias',
        'model.onedpositional_encoding.pos_embedding'])
    assert len(result.state_dict) == 141 - 5 + 1  # + the position table
    assert result.state_dict['position.table'].shape == (18, 86)


def test_converter_writes_a_checkpoint_the_amazon_model_loads(tmp_path):
    src, dst = tmp_path / 'epoch=99.ckpt', tmp_path / 'oat.pth'
    state = official_state()
    torch.save(dict(state_dict=state, epoch=99), src)
    table = np.random.default_rng(0).normal(size=(14, 86)).astype(
        np.float32)
    np.save(tmp_path / 'pe.npy', table)
    main = tool_main('tools/model_converters/oat_to_mmdet.py')
    assert main([str(src), str(dst), '--pe-table',
                 str(tmp_path / 'pe.npy')]) == 0
    from projects.common.utils import build_model_from_config
    model = build_model_from_config(
        osp.join(ROOT, 'configs', 'oat', 'oat_amazon.py'))
    ckpt = torch.load(dst, map_location='cpu')
    missing = model.load_state_dict(ckpt['state_dict'], strict=False)
    assert missing.unexpected_keys == []
    assert missing.missing_keys == ['_max_len']
    torch.testing.assert_close(model.pointer.mix.weight,
                               state['model.readout.weight'])
    torch.testing.assert_close(model.position.table[:14],
                               torch.from_numpy(table))
    # a table of another width than the model's: stops, writes nothing
    np.save(tmp_path / 'wide.npy', np.zeros((14, 90), np.float32))
    bad = tmp_path / 'bad.pth'
    assert main([str(src), str(bad), '--pe-table',
                 str(tmp_path / 'wide.npy')]) == 1
    assert not bad.exists()
    with pytest.raises(SystemExit):
        main([str(src), str(bad)])  # --pe-table is required
