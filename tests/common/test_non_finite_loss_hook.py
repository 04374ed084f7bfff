"""NonFiniteLossHook with a NaN injected into one loss term."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner

import projects.common  # noqa: F401
from projects.common.engine.hooks import NonFiniteLossError, NonFiniteLossHook


class OneWeight(BaseModel):
    """loss_a = w . x (finite); loss_b is NaN at the listed calls."""

    def __init__(self, nan_at=()):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(2))
        self.nan_at, self.calls = set(nan_at), 0

    def forward(self, inputs, data_samples=None, mode='loss'):
        self.calls += 1
        loss_a = (self.w * inputs).sum()
        loss_b = loss_a * 0 + (float('nan') if self.calls in self.nan_at
                               else 1.0)
        return dict(loss_a=loss_a, loss_b=loss_b)


class Ones(torch.utils.data.Dataset):

    def __len__(self):
        return 100

    def __getitem__(self, i):
        return dict(inputs=torch.ones(2))


def _runner(tmp_path, model, hook, iters=5, lr=0.1):
    return Runner(
        model=model, work_dir=str(tmp_path),
        train_dataloader=dict(dataset=Ones(), batch_size=1,
                              sampler=dict(type='DefaultSampler',
                                           shuffle=False),
                              collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=lr)),
        train_cfg=dict(by_epoch=False, max_iters=iters),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook',
                                           interval=2, by_epoch=False)),
        custom_hooks=[hook], default_scope='mmdet')


def test_skip_drops_the_update_and_counts_it(tmp_path):
    hook = NonFiniteLossHook(action='skip', max_skips=3)
    model = OneWeight(nan_at=[3])
    _runner(tmp_path, model, hook).train()
    assert model.calls == 5 and hook.skipped == 1
    # SGD, lr 0.1, gradient 1: four of the five updates were applied
    torch.testing.assert_close(model.w.detach(), torch.full((2, ), 0.6))


def test_stop_names_the_iteration_terms_and_last_checkpoint(tmp_path):
    hook = NonFiniteLossHook(action='stop')
    model = OneWeight(nan_at=[3])
    with pytest.raises(NonFiniteLossError) as info:
        _runner(tmp_path, model, hook).train()
    message = str(info.value)
    assert message.startswith('iteration 3: non-finite loss_b;')
    assert 'loss_a' not in message
    assert message.rstrip().endswith('fp16 overflow')
    assert osp.join(str(tmp_path), 'iter_2.pth') in message
    torch.testing.assert_close(model.w.detach(), torch.full((2, ), 0.8))


def test_too_many_skips_stop(tmp_path):
    hook = NonFiniteLossHook(action='skip', max_skips=1)
    with pytest.raises(NonFiniteLossError, match='iteration 4: non-finite '
                       r'loss_b \(2 updates skipped, more than max_skips=1'):
        _runner(tmp_path, OneWeight(nan_at=[2, 4]), hook).train()


def test_no_checkpoint_of_non_finite_weights(tmp_path):
    runner = _runner(tmp_path, OneWeight(), NonFiniteLossHook(), iters=1)
    runner.train()
    before = sorted(glob.glob(str(tmp_path / '*.pth')))
    with torch.no_grad():
        runner.model.w[0] = float('inf')
    with pytest.raises(NonFiniteLossError, match=r'non-finite weights \(1 '
                       r'tensors, e\.g\. w\)'):
        runner.save_checkpoint(str(tmp_path), 'iter_99.pth')
    assert sorted(glob.glob(str(tmp_path / '*.pth'))) == before
    with pytest.raises(ValueError, match="'skip' or 'stop'"):
        NonFiniteLossHook(action='ignore')


class Overflow(OneWeight):
    """w[0] starts at 3e38 (float32 max 3.4e38); loss_a = -w[0] x[0] is
    finite, and one SGD step of lr 1e38 takes w[0] to inf."""

    def __init__(self):
        super().__init__()
        with torch.no_grad():
            self.w[0] = 3e38

    def forward(self, inputs, data_samples=None, mode='loss'):
        self.calls += 1
        return dict(loss_a=-(self.w * inputs)[0])


class MatcherFails(OneWeight):

    def forward(self, inputs, data_samples=None, mode='loss'):
        if self.calls == 2:
            raise ValueError('matrix contains invalid numeric entries')
        return super().forward(inputs, data_samples, mode)


def test_overflowing_weights_and_a_failing_matcher_stop_clearly(tmp_path):
    runner = _runner(tmp_path / 'a', Overflow(), NonFiniteLossHook(),
                     lr=1e38)
    with pytest.raises(NonFiniteLossError, match='iteration 1: the update '
                       'made w non-finite'):
        runner.train()
    with pytest.raises(NonFiniteLossError, match='iteration 3: the '
                       'predictions are non-finite'):
        _runner(tmp_path / 'b', MatcherFails(), NonFiniteLossHook()).train()
