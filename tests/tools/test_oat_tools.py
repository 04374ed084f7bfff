"""OAT's tools: the position-table fitter, the baseline table, the
benchmark, and the toy config through tools/train.py and tools/test.py."""
import json
import os.path as osp

import numpy as np

from projects.common.testing import ROOT, tool_main
from projects.oat.positional_table import fit_positional_table

TOY = osp.join(ROOT, 'configs', 'oat', 'oat_toy.py')


def _toy_options(root, work_dir=None):
    opts = ['--cfg-options']
    for split in ('train', 'val', 'test'):
        opts.append(f'{split}_dataloader.dataset.data_root={root}/')
    if work_dir:
        opts.append(f'work_dir={work_dir}')
    return opts


def test_fit_oat_pe_writes_the_table_the_model_would_fit(tmp_path, capsys):
    out = tmp_path / 'pe.npy'
    main = tool_main('tools/misc/fit_oat_pe.py')
    assert main(['--size', '5', '--steps', '300', '--out', str(out)]) == 0
    np.testing.assert_array_equal(np.load(out),
                                  fit_positional_table(5, steps=300))
    assert 'max |cos - target|' in capsys.readouterr().out
    assert main(['--size', '1', '--out', str(tmp_path / 'x.npy')]) == 1
    assert not (tmp_path / 'x.npy').exists()


def test_baseline_table_scores_the_three_baselines(toy_scanpath_data,
                                                  tmp_path, capsys):
    main = tool_main('tools/analysis_tools/eval_scanpath_baselines.py')
    out = tmp_path / 'table.json'
    cfg = tmp_path / 'toy.py'
    cfg.write_text(f"_base_ = '{TOY}'\n"
                   f"_root = '{toy_scanpath_data}/'\n"
                   "train_dataloader = dict(dataset=dict(data_root=_root))\n"
                   "val_dataloader = dict(dataset=dict(data_root=_root))\n"
                   "test_dataloader = dict(dataset=dict(data_root=_root))\n"
                   "model = dict(pe_table=dict(steps=10))\n")
    assert main([str(cfg), '--out', str(out), '--split', 'val']) == 0
    table = json.loads(out.read_text())
    assert set(table) == {'random', 'center', 'similarity'}
    for row in table.values():
        assert 0 <= row['ss'] <= 1 and row['correct'] == 1.0
        assert np.isfinite(row['mm_mean']) and np.isfinite(row['delta'])
    assert '| similarity |' in capsys.readouterr().out


def test_benchmark_reports_training_and_inference_speed():
    main = tool_main('tools/analysis_tools/benchmark_oat.py')
    result = main(['--config', TOY, '--objects', '6', '--batch', '2',
                   '--fixations', '3'])
    assert result['train_samples_per_s'] > 0
    assert result['scanpath_latency_s'] > 0


def test_toy_config_trains_and_tests_through_the_tools(toy_scanpath_data,
                                                       tmp_path):
    """A narrow OAT on the small toy shelves: one epoch through
    tools/train.py (validation, best-Delta checkpoint), then tools/test.py
    prints the scanpath measures."""
    import glob

    from projects.common.testing import run_tool
    cfg = tmp_path / 'oat_tiny.py'
    cfg.write_text(
        f"_base_ = '{TOY}'\n"
        "model = dict(embed_dims=32, num_heads=2, ffn_dims=32,\n"
        "             num_encoder_layers=1, num_decoder_layers=1,\n"
        "             pointer_dims=32, pe_table=dict(steps=10))\n"
        "train_cfg = dict(max_epochs=1, val_interval=1)\n"
        "default_hooks = dict(checkpoint=dict(interval=1))\n")
    work = str(tmp_path / 'work')
    opts = _toy_options(toy_scanpath_data)
    result = run_tool(['tools/train.py', str(cfg), '--work-dir', work] +
                      opts)
    assert result.returncode == 0, result.stderr[-3000:]
    best = glob.glob(osp.join(work, 'best_scanpath_delta_epoch_1.pth'))
    assert best, 'no best-Delta checkpoint'
    result = run_tool(['tools/test.py', str(cfg), best[0], '--work-dir',
                       work] + opts)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout + result.stderr
    for key in ('scanpath/ss', 'scanpath/ed', 'scanpath/mm_mean',
                'scanpath/delta'):
        assert key in out, key
