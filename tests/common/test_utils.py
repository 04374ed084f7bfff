"""The shared helpers of projects/common/utils: atomic writing, image
listing and config -> model building."""
import os

import pytest
import torch

from projects.common.utils import (atomic_path, disable_pretrained,
                                   is_image_file, list_images,
                                   save_checkpoint_atomic, write_text_atomic)


def test_atomic_write_replaces_only_when_complete(tmp_path):
    path = tmp_path / 'sub' / 'out.txt'
    write_text_atomic(str(path), 'first\n')
    assert path.read_text() == 'first\n'
    with pytest.raises(RuntimeError, match='boom'):
        with atomic_path(str(path)) as tmp:
            with open(tmp, 'w') as f:
                f.write('half')
            raise RuntimeError('boom')
    # the old content survives and no temporary file is left
    assert path.read_text() == 'first\n'
    assert os.listdir(tmp_path / 'sub') == ['out.txt']


def test_atomic_write_keeps_the_extension(tmp_path):
    seen = []
    with atomic_path(str(tmp_path / 'frame.png')) as tmp:
        seen.append(tmp)
        open(tmp, 'wb').close()
    assert seen[0].endswith('.png') and os.path.basename(
        seen[0]).startswith('.')
    assert os.listdir(tmp_path) == ['frame.png']


def test_atomic_write_fails_when_nothing_was_written(tmp_path):
    with pytest.raises(OSError, match='nothing was written'):
        with atomic_path(str(tmp_path / 'x.json')):
            pass
    assert os.listdir(tmp_path) == []


def test_checkpoint_written_atomically(tmp_path):
    path = tmp_path / 'ckpt.pth'
    save_checkpoint_atomic({'w': torch.ones(2)}, str(path))
    assert torch.equal(torch.load(path, weights_only=True)['w'],
                       torch.ones(2))

    class Unpicklable:

        def __reduce__(self):
            raise TypeError('cannot pickle')

    with pytest.raises(TypeError, match='cannot pickle'):
        save_checkpoint_atomic({'bad': Unpicklable()}, str(path))
    assert os.listdir(tmp_path) == ['ckpt.pth']
    assert torch.equal(torch.load(path, weights_only=True)['w'],
                       torch.ones(2))


def test_list_images_natural_order_and_hidden_files(tmp_path):
    for name in ['10.jpg', '2.JPG', '1.png', '.3.png', 'notes.txt']:
        (tmp_path / name).write_bytes(b'')
    assert [os.path.basename(p) for p in list_images(str(tmp_path))] == [
        '1.png', '2.JPG', '10.jpg']
    assert is_image_file('a.webp') and not is_image_file('.a.png')


def test_disable_pretrained_removes_every_pretrained_init():
    cfg = dict(
        backbone=dict(type='ResNet',
                      init_cfg=dict(type='Pretrained', checkpoint='x')),
        neck=dict(init_cfg=[dict(type='Xavier', layer='Conv2d'),
                            dict(type='Pretrained', checkpoint='y')]),
        head=dict(init_cfg=dict(type='Normal', std=0.01)))
    disable_pretrained(cfg)
    assert cfg['backbone']['init_cfg'] is None
    assert cfg['neck']['init_cfg'] == [dict(type='Xavier', layer='Conv2d')]
    assert cfg['head']['init_cfg'] == dict(type='Normal', std=0.01)


_PEAK_CHILD = """
import importlib.util, json, sys, torch
spec = importlib.util.spec_from_file_location('peak_memory', sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)  # alone: no project imports in the child
peak_bytes = module.peak_bytes
cpu = torch.device('cpu')
def allocate():
    x = torch.ones(16 * 2**20)  # 64 MiB, freed on return
    return float(x[0])
print(json.dumps(dict(big=peak_bytes(allocate, cpu),
                      none=peak_bytes(lambda: None, cpu))))
"""


def test_peak_bytes_sees_a_temporary_allocation():
    """The benchmarks' CPU peak, measured as they measure it (a child
    process with MALLOC_ENV, so that no freed heap memory can serve the
    step unseen): a 64 MiB temporary tensor shows as at least 60 MiB above
    the baseline, a step allocating nothing as little."""
    import sys

    from projects.common.testing import ROOT
    from projects.common.utils.peak_memory import MALLOC_ENV, run_child
    env = dict(os.environ, **MALLOC_ENV)
    source = os.path.join(ROOT, 'projects', 'common', 'utils',
                          'peak_memory.py')
    peaks = run_child([sys.executable, '-c', _PEAK_CHILD, source], env)
    assert peaks['big'] >= 60 * 2**20
    assert peaks['none'] < 16 * 2**20
