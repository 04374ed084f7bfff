"""tools/misc/make_toy_scanpaths.py: deterministic shelves and searchers."""
import filecmp
import json
import os.path as osp

import numpy as np

from tools.misc.make_toy_scanpaths import main


def test_toy_scanpaths_are_deterministic_and_searchlike(tmp_path):
    a, b = tmp_path / 'a', tmp_path / 'b'
    args = ['--num-shelves', '6', '--seed', '3']
    assert main(['--out', str(a)] + args) == 0
    assert main(['--out', str(b)] + args) == 0
    assert filecmp.cmp(a / 'annotations.json', b / 'annotations.json',
                       shallow=False)
    assert filecmp.cmp(a / 'images' / 'shelf_0005.png',
                       b / 'images' / 'shelf_0005.png', shallow=False)
    data = json.loads((a / 'annotations.json').read_text())
    assert len(data['images']) == 6 and len(data['annotations']) == 6 * 24
    assert len(data['scanpaths']) == 6 * 2 * 3
    splits = [s['split'] for s in data['scanpaths']]
    assert splits.count('train') == int(36 * 0.8)

    from mmengine.registry import init_default_scope
    init_default_scope('mmdet')
    import projects.oat  # noqa: F401
    from mmdet.registry import DATASETS
    ds = DATASETS.build(dict(type='ObjectScanpathDataset',
                             ann_file=str(a / 'annotations.json'),
                             data_prefix=dict(img=str(a / 'images'))))
    paths = [ds.get_data_info(i) for i in range(len(ds))]
    ends = np.mean([p['scanpath'][-1] == p['target'] for p in paths])
    assert ends > 0.8  # most searches end on the target
    refix = sum(np.any(np.diff(p['scanpath']) == 0) for p in paths)
    revisit = sum(len(set(p['scanpath'].tolist())) <
                  len([k for k, _ in __import__('itertools').groupby(
                      p['scanpath'].tolist())]) for p in paths)
    assert refix > 0 and revisit > 0
    assert osp.exists(paths[0]['img_path'])
