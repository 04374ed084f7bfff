"""Train 4 iterations, kill the process, --resume: the continued run ends
with the same weights as an uninterrupted 8-iteration run (the Relation-DETR
toy model: denoising noise, hybrid branch and relation included)."""
import glob
import os.path as osp
import signal

import torch

from projects.common.engine.checkpoint_compat import safe_torch_load

from projects.common.testing import RELATION_TOY_CONFIG as TOY_CONFIG
from projects.common.testing import run_tool, toy_options


def _options(toy_data):
    return toy_options(
        toy_data, **{
            'train_cfg.max_iters': 8,
            'train_dataloader.batch_size': 2,
            'default_hooks.checkpoint.interval': 4,
            'default_hooks.checkpoint.max_keep_ckpts': -1,
            'default_hooks.logger.interval': 1,
            'randomness.seed': 7,
            'randomness.deterministic': True,
        })


def _weights(path):
    return safe_torch_load(path, map_location='cpu')['state_dict']


def test_kill_and_resume_matches_uninterrupted(toy_data, tmp_path):
    options = _options(toy_data)
    straight = str(tmp_path / 'straight')
    result = run_tool(['tools/train.py', TOY_CONFIG, '--work-dir', straight] +
                      options)
    assert result.returncode == 0, result.stderr[-3000:]

    # the same run, killed right after iteration 4 was checkpointed
    kill_cfg = tmp_path / 'kill_after_4.py'
    kill_cfg.write_text(
        f'_base_ = {TOY_CONFIG!r}\n'
        "custom_hooks = [dict(type='RNGStateHook'),\n"
        "                dict(type='KillAfterIterHook', iters=4)]\n")
    resumed = str(tmp_path / 'resumed')
    result = run_tool(['tests/helpers/kill_after_iter.py', str(kill_cfg),
                       '--work-dir', resumed] + options)
    assert result.returncode == -signal.SIGKILL, result.stderr[-3000:]
    assert osp.isfile(osp.join(resumed, 'iter_4.pth'))
    assert not osp.exists(osp.join(resumed, 'iter_8.pth'))

    result = run_tool(['tools/train.py', TOY_CONFIG, '--work-dir', resumed,
                       '--resume'] + options)
    assert result.returncode == 0, result.stderr[-3000:]
    logs = ''.join(open(p).read() for p in glob.glob(
        osp.join(resumed, '*', '*.log')))
    assert 'resumed epoch: 0, iter: 4' in logs

    expected = _weights(osp.join(straight, 'iter_8.pth'))
    got = _weights(osp.join(resumed, 'iter_8.pth'))
    assert expected.keys() == got.keys()
    first = _weights(osp.join(resumed, 'iter_4.pth'))
    assert any(not torch.equal(first[k], got[k]) for k in got)  # it trained
    for key in expected:
        torch.testing.assert_close(got[key], expected[key], rtol=0, atol=1e-6,
                                   msg=f'{key} differs after resume')
