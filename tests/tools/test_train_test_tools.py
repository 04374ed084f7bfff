"""tools/train.py and tools/test.py: a short run, COCO mAP, bad input, and
two processes on CPU through mmengine's pytorch launcher (gloo)."""
import glob
import os.path as osp
import pickle

from projects.common.testing import (RELATION_TOY_CONFIG, TOY_CONFIG,
                                     run_tool, toy_options, train_toy)


def test_train_then_test_prints_coco_map(toy_data, tmp_path):
    work = str(tmp_path / 'work')
    checkpoint = train_toy(TOY_CONFIG, toy_data, work, 2)
    out = str(tmp_path / 'preds.pkl')
    result = run_tool(['tools/test.py', TOY_CONFIG, checkpoint, '--work-dir',
                       work, '--out', out, '--show-dir', 'vis'] +
                      toy_options(toy_data))
    assert result.returncode == 0, result.stderr[-3000:]
    text = result.stdout + result.stderr
    assert 'coco/bbox_mAP:' in text
    assert 'Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all' in text
    preds = pickle.load(open(out, 'rb'))
    assert len(preds) == 8 and 'pred_instances' in preds[0]
    assert len(glob.glob(osp.join(work, '*', 'vis', '*.png'))) == 8


def test_missing_dataset_is_a_clear_error(tmp_path):
    result = run_tool(['tools/train.py', TOY_CONFIG, '--work-dir',
                       str(tmp_path)] +
                      toy_options(str(tmp_path / 'no_such_data')))
    assert result.returncode == 1
    assert result.stderr.startswith('error: Dataset folder not found: '
                                    'train_dataloader.dataset.data_root')
    assert 'data/README.md' in result.stderr


def test_missing_annotation_and_checkpoint(toy_data, tmp_path):
    options = toy_options(
        toy_data, **{'test_dataloader.dataset.ann_file':
                     'annotations/nope.json'})
    result = run_tool(['tools/test.py', TOY_CONFIG, str(tmp_path / 'x.pth')] +
                      options)
    assert result.returncode == 1 and 'x.pth' in result.stderr
    ckpt = tmp_path / 'x.pth'
    ckpt.write_bytes(b'')
    result = run_tool(['tools/test.py', TOY_CONFIG, str(ckpt)] + options)
    assert result.returncode == 1
    assert 'test_dataloader.dataset.ann_file' in result.stderr
    assert 'annotations/nope.json' in result.stderr


def test_two_process_training_on_cpu(toy_data, tmp_path):
    work = str(tmp_path / 'dist')
    result = run_tool(
        ['-m', 'torch.distributed.run', '--nproc_per_node', '2',
         '--master_port', '29533', 'tools/train.py', RELATION_TOY_CONFIG,
         '--launcher', 'pytorch', '--work-dir', work] +
        toy_options(toy_data, **{'train_cfg.max_iters': 3,
                                 'train_dataloader.batch_size': 2,
                                 'default_hooks.logger.interval': 1}))
    assert result.returncode == 0, result.stderr[-4000:]
    assert osp.isfile(osp.join(work, 'iter_3.pth'))
    log = open(glob.glob(osp.join(work, '*', '*.log'))[0]).read()
    assert 'Distributed training: True' in log
    assert 'gloo' in log
