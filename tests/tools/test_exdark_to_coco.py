"""tools/dataset_converters/exdark_to_coco.py on the real official split
list, real images and the widely used COCO-format jsons."""
import json
import os.path as osp
import shutil
from collections import Counter

import pytest

from projects.common.testing import tool_module
from projects.common.testing import run_tool_in_process as run_tool

CONVERTER = 'tools/dataset_converters/exdark_to_coco.py'
IMAGES = {'2015_00003.png': 'Bicycle', '2015_02446.jpg': 'Car',
          '2015_06400.jpg': 'People'}


@pytest.fixture
def exdark(shared_data, tmp_path):
    """The 3 real images in the official class-folder layout, with bbGt
    annotation files written here (the official ones are not public)."""
    root = osp.join(shared_data, 'exdark')
    img_dir, ann_dir = tmp_path / 'ExDark', tmp_path / 'ExDark_Annno'
    for name, cls in IMAGES.items():
        (img_dir / cls).mkdir(parents=True, exist_ok=True)
        (ann_dir / cls).mkdir(parents=True, exist_ok=True)
        shutil.copy(osp.join(root, name), img_dir / cls / name)
        (ann_dir / cls / f'{name}.txt').write_text(
            '% bbGt version=3\n'
            f'{cls} 10 20 30 40 0 0 0 0 0 0 0\n'
            'bicycle 5 5 10000 8 0 0 0 0 0 0 0\n')  # clipped to the image
    return dict(class_list=osp.join(root, 'imageclasslist.txt'),
                img_dir=str(img_dir), ann_dir=str(ann_dir), root=root,
                out=str(tmp_path / 'out'))


def _convert(exdark, *extra):
    return run_tool([CONVERTER, '--class-list', exdark['class_list'],
                     '--ann-dir', exdark['ann_dir'], '--img-dir',
                     exdark['img_dir'], '--out-dir', exdark['out'], *extra])


def test_official_class_list_split_counts(exdark):
    module = tool_module(CONVERTER)
    records = module.read_class_list(exdark['class_list'])
    assert len(records) == 7363
    assert Counter(r['split'] for r in records.values()) == {
        1: 3000, 2: 1800, 3: 2563}
    assert Counter(r['indoor'] for r in records.values()) == {
        True: 2822, False: 4541}
    assert records['2015_02446'] == dict(name='2015_02446.jpg', label=5,
                                         light=10, indoor=False, split=1)


def test_bbgt_files_convert_with_light_and_split(exdark):
    result = _convert(exdark)
    assert result.returncode == 1  # 7360 listed images have no files here
    assert '--allow-missing' in result.stderr
    assert not osp.exists(exdark['out'])  # nothing half-written
    result = _convert(exdark, '--allow-missing')
    assert result.returncode == 0, result.stderr
    train = json.load(open(osp.join(exdark['out'], 'exdark_train.json')))
    assert [c['name'] for c in train['categories']][:2] == ['Bicycle', 'Boat']
    assert train['categories'][0]['id'] == 1
    by_name = {img['file_name']: img for img in train['images']}
    assert set(by_name) == {f'{c}/{n}' for n, c in IMAGES.items()}
    car = by_name['Car/2015_02446.jpg']
    assert car['light'] == 10 and car['light_name'] == 'Twilight'
    assert car['indoor'] is False
    anns = [a for a in train['annotations'] if a['image_id'] == car['id']]
    assert anns[0]['bbox'] == [10.0, 20.0, 30.0, 40.0]
    assert anns[0]['category_id'] == 5
    assert anns[1]['category_id'] == 1
    assert anns[1]['bbox'][0] + anns[1]['bbox'][2] == car['width']
    for split in ('val', 'test'):
        data = json.load(open(osp.join(exdark['out'],
                                       f'exdark_{split}.json')))
        assert data['images'] == []


@pytest.mark.parametrize('line,needle', [
    ('Unicorn 1 2 3 4 0 0 0 0 0 0 0', "unknown class 'Unicorn'"),
    ('Car 1 2 3', 'at least 5 fields'),
    ('Car 1 two 3 4 0 0 0 0 0 0 0', 'must be numbers'),
])
def test_bad_bbgt_line_names_file_and_line(exdark, line, needle):
    txt = osp.join(exdark['ann_dir'], 'Car', '2015_02446.jpg.txt')
    with open(txt, 'a') as f:
        f.write(line + '\n')
    result = _convert(exdark, '--allow-missing')
    assert result.returncode == 1
    assert f'{txt}:4' in result.stderr and needle in result.stderr
    assert not osp.exists(exdark['out'])


def test_empty_box_stops_unless_skipped(exdark):
    txt = osp.join(exdark['ann_dir'], 'Car', '2015_02446.jpg.txt')
    with open(txt, 'a') as f:
        f.write('Car 10 10 0 5 0 0 0 0 0 0 0\n')
    result = _convert(exdark, '--allow-missing')
    assert result.returncode == 1 and f'{txt}:4' in result.stderr
    result = _convert(exdark, '--allow-missing', '--on-invalid', 'skip')
    assert result.returncode == 0 and f'{txt}:4' in result.stderr


def test_import_featenhancer_jsons(exdark):
    jsons = [osp.join(exdark['root'], f'exdark_{s}.json')
             for s in ('train', 'test')]
    result = run_tool([CONVERTER, '--class-list', exdark['class_list'],
                       '--coco-json', *jsons, '--out-dir', exdark['out']])
    assert result.returncode == 0, result.stderr
    assert '977 images appear in more than one file' in result.stderr
    original = json.load(open(jsons[1]))
    test = json.load(open(osp.join(exdark['out'], 'exdark_test.json')))
    assert len(test['images']) == 1467 and len(test['annotations']) == 4865
    assert [c['id'] for c in test['categories']] == list(range(1, 13))
    # 0-based Bicycle=0 ... Table=11 became 1..12, box by box
    for old, new in zip(original['annotations'], test['annotations']):
        assert new['category_id'] == old['category_id'] + 1
        assert new['bbox'] == old['bbox']
    # per-class box counts of the MAET/IAT test split
    counts = Counter(a['category_id'] for a in test['annotations'])
    assert [counts[i] for i in range(1, 13)] == [
        212, 289, 282, 135, 597, 183, 466, 366, 207, 233, 1562, 333]
    names = {img['file_name'] for img in test['images']}
    assert all('light' in img for img in test['images'])
    train = json.load(open(osp.join(exdark['out'], 'exdark_train.json')))
    train_names = {img['file_name'] for img in train['images']}
    assert '2015_00024.JPG' in train_names  # official extension case
    assert len(names & train_names) == 977


def test_imported_json_loads_in_exdark_dataset(exdark):
    import projects.common  # noqa: F401
    from projects.common.datasets import ExDarkDataset
    jsons = [osp.join(exdark['root'], 'exdark_test.json')]
    assert run_tool([CONVERTER, '--class-list', exdark['class_list'],
                     '--coco-json', *jsons, '--out-dir',
                     exdark['out']]).returncode == 0
    dataset = ExDarkDataset(
        ann_file=osp.join(exdark['out'], 'exdark_test.json'),
        data_prefix=dict(img=''), pipeline=[], test_mode=True)
    assert len(dataset) == 1467
    info = dataset[0]
    assert 1 <= info['light'] <= 10 and isinstance(info['indoor'], bool)
    assert sum(len(d['instances']) for d in dataset) == 4865


def _numbered_names(readme: str, heading: str):
    """``Name(k)`` entries of one section of the official README, by k."""
    import re
    section = readme.split(heading, 1)[1].split('\n(', 1)[0]
    found = {int(k): name for name, k in re.findall(r'(\w+)\((\d+)\)',
                                                     section)}
    return tuple(found[k] for k in sorted(found))


def test_class_and_light_names_match_the_official_readme(shared_data):
    """The dataset, the metric and the converter share one list of class
    and lighting names, and it is the official numbering."""
    from projects.common.datasets import ExDarkDataset
    from projects.common.datasets.exdark import (EXDARK_CLASSES,
                                                 EXDARK_LIGHTING)
    readme = open(osp.join(shared_data, 'exdark',
                           'Groundtruth_README.md')).read()
    assert _numbered_names(readme, 'Object class label') == EXDARK_CLASSES
    assert _numbered_names(readme, 'Lighting type') == EXDARK_LIGHTING
    assert len(EXDARK_CLASSES) == 12 and len(EXDARK_LIGHTING) == 10
    assert ExDarkDataset.METAINFO['classes'] == EXDARK_CLASSES
    module = tool_module(CONVERTER)
    assert [c['name'] for c in module.categories()] == list(EXDARK_CLASSES)
    assert [c['id'] for c in module.categories()] == list(range(1, 13))
    # the widely used json files name the classes in the same order
    coco = json.load(open(osp.join(shared_data, 'exdark',
                                   'exdark_test.json')))
    assert tuple(c['name'] for c in sorted(
        coco['categories'], key=lambda c: c['id'])) == EXDARK_CLASSES
