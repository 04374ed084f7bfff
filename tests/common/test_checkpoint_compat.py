"""The torch>=2.6 resume fix: mmengine checkpoints load with
weights_only=True, anything else pickled is refused."""
import os

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint

import projects.common  # noqa: F401
from projects.common.engine.checkpoint_compat import (UnsafeCheckpointError,
                                                      safe_torch_load)


class _Evil:
    """Unpickling this would run a shell command."""

    def __reduce__(self):
        return (os.system, ('echo pwned',))


def _resumable_checkpoint():
    hub = MessageHub('ckpt_test')
    hub.update_scalar('train/loss', np.float64(1.5))
    hub.update_scalar('train/lr', 0.01)
    hub.update_info('iter', 3)
    return dict(
        meta=dict(epoch=1, iter=4, seed=np.int64(0), mmengine='0.10.7',
                  dataset_meta=dict(classes=('a', 'b'))),
        state_dict={'w': torch.ones(2)},
        message_hub=hub.state_dict(),
        optimizer={'state': {}, 'param_groups': [{'lr': 0.1}]},
        param_schedulers=[{'last_step': 3}],
        extra=dict(arr=np.arange(3, dtype=np.float32),
                   scalar=np.float32(2.0), history=HistoryBuffer([1, 2], [1, 1])))


def test_mmengine_checkpoint_loads_weights_only(tmp_path):
    path = str(tmp_path / 'iter_4.pth')
    torch.save(_resumable_checkpoint(), path)
    # plain weights_only loading is what breaks without the fix
    ckpt = _load_checkpoint(path, map_location='cpu')
    assert isinstance(ckpt['message_hub']['log_scalars']['train/loss'],
                      HistoryBuffer)
    np.testing.assert_array_equal(ckpt['extra']['arr'], np.arange(3))
    assert CheckpointLoader._schemes[''] is safe_torch_load


def test_arbitrary_object_is_refused_with_clear_message(tmp_path):
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'payload': _Evil()}, path)
    with pytest.raises(UnsafeCheckpointError) as info:
        _load_checkpoint(path, map_location='cpu')
    message = str(info.value)
    assert path in message and 'posix.system' in message
    assert 'Fix:' in message


class _GetattrEscape:
    """getattr on an allowed type reaching a method that writes files."""

    def __reduce__(self):
        return (getattr, (np.ndarray, 'tofile'))


def test_getattr_is_limited_to_history_buffer_methods(tmp_path):
    path = str(tmp_path / 'escape.pth')
    torch.save({'payload': _GetattrEscape()}, path)
    with pytest.raises(UnsafeCheckpointError, match='tofile'):
        _load_checkpoint(path, map_location='cpu')


def test_missing_checkpoint_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        safe_torch_load(str(tmp_path / 'nope.pth'))
