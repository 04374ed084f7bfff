"""The Relation-DETR key rules (projects/relation_detr/checkpoint.py) and
tools/model_converters/relation_detr_to_mmdet.py against the official
checkpoint's key names and shapes (tests/fixtures, written down from the
official R50 model of xiuqhou/Relation-DETR at b485955)."""
import os.path as osp

import pytest
import torch

from projects.common.testing import (ROOT, fixture_state_dict, run_tool,
                                     tool_main)
from projects.common.utils import check_state_dict, model_state_from_config
from projects.relation_detr import checkpoint as rules

CONVERTER = osp.join(ROOT, 'tools', 'model_converters',
                     'relation_detr_to_mmdet.py')
FIXTURE = osp.join(ROOT, 'tests', 'fixtures',
                   'relation_detr_r50_official_keys.txt')
CONFIG = osp.join(ROOT, 'configs', 'relation_detr',
                  'relation-detr_r50_8xb2-12e_coco.py')


def _official(fill=None):
    """A state dict with the official names and shapes."""
    return fixture_state_dict(FIXTURE, random=fill is not None)


@pytest.fixture(scope='module')
def model_state():
    return model_state_from_config(CONFIG)


def test_every_official_key_maps_with_the_right_shape(model_state):
    official = _official()
    assert len(official) == 595
    converted, unplaced = rules.convert_official_relation_detr(
        official, class_rows=rules.COCO_CATEGORY_IDS)
    assert unplaced == []
    assert check_state_dict(converted, model_state) == []
    assert set(converted) == set(model_state)
    assert converted['bbox_head.cls_branches.6.weight'].shape == (80, 256)
    assert converted['dn_query_generator.label_embedding.weight'].shape == \
        (80, 256)


def test_class_rows_follow_coco_ids():
    official = _official(fill='random')
    converted, _ = rules.convert_official_relation_detr(
        official, class_rows=rules.COCO_CATEGORY_IDS)
    from mmdet.datasets import CocoDataset
    assert len(rules.COCO_CATEGORY_IDS) == len(
        CocoDataset.METAINFO['classes']) == 80
    # mmdet class 11 (stop sign) is COCO id 13; class 0 (person) is id 1
    head = official['transformer.decoder.class_head.3.weight']
    torch.testing.assert_close(
        converted['bbox_head.cls_branches.3.weight'][11], head[13])
    torch.testing.assert_close(
        converted['bbox_head.cls_branches.3.weight'][0], head[1])
    # norms of the decoder layer are reordered (norm2 comes first)
    torch.testing.assert_close(
        converted['decoder.layers.2.norms.0.weight'],
        official['transformer.decoder.layers.2.norm2.weight'])
    torch.testing.assert_close(
        converted['neck.extra_convs.0.conv.weight'],
        official['neck.convs.3.0.weight'])


def test_coco_category_ids_are_the_ids_of_mmdets_classes(shared_data):
    """The 91 -> 80 rows, checked against a real COCO annotation file (its
    full category list): the id of each mmdet class, by name."""
    import json
    from mmdet.datasets import CocoDataset
    path = osp.join(shared_data, 'coco', 'tinycoco', 'annotations',
                    'instances_train2017.json')
    with open(path) as f:
        ids = {c['name']: c['id'] for c in json.load(f)['categories']}
    assert tuple(ids[name] for name in CocoDataset.METAINFO['classes']) == \
        rules.COCO_CATEGORY_IDS


def test_norms_and_ffns_follow_the_official_order_of_operations():
    """Official decoder layer: self-attention -> norm2, cross-attention ->
    norm1, FFN (linear1, linear2) -> norm3; encoder layer: self-attention
    -> norm1, FFN -> norm2. mmdet numbers its norms in that order."""
    official = _official(fill='random')
    converted, _ = rules.convert_official_relation_detr(
        official, class_rows=rules.COCO_CATEGORY_IDS)
    expected = {
        'decoder.layers.4.norms.0': 'transformer.decoder.layers.4.norm2',
        'decoder.layers.4.norms.1': 'transformer.decoder.layers.4.norm1',
        'decoder.layers.4.norms.2': 'transformer.decoder.layers.4.norm3',
        'encoder.layers.1.norms.0': 'transformer.encoder.layers.1.norm1',
        'encoder.layers.1.norms.1': 'transformer.encoder.layers.1.norm2',
        'decoder.layers.0.ffn.layers.0.0':
        'transformer.decoder.layers.0.linear1',
        'decoder.layers.0.ffn.layers.1':
        'transformer.decoder.layers.0.linear2',
        'encoder.layers.5.ffn.layers.0.0':
        'transformer.encoder.layers.5.linear1',
        'encoder.layers.5.ffn.layers.1':
        'transformer.encoder.layers.5.linear2',
        'bbox_head.reg_branches.6.4': 'transformer.encoder_bbox_head.layers.2',
        'hybrid_reg_branch.2': 'transformer.hybrid_bbox_head.layers.1',
    }
    for ours, theirs in expected.items():
        for suffix in ('weight', 'bias'):
            torch.testing.assert_close(converted[f'{ours}.{suffix}'],
                                       official[f'{theirs}.{suffix}'])


def test_problems_are_listed(model_state):
    official = _official()
    official['transformer.mystery.weight'] = torch.empty(3)
    del official['transformer.decoder.query_scale.layers.1.bias']
    converted, unplaced = rules.convert_official_relation_detr(
        official, class_rows=rules.COCO_CATEGORY_IDS)
    assert unplaced == ['transformer.mystery.weight']
    problems = check_state_dict(converted, model_state)
    assert problems == [
        'model key left unfilled: decoder.query_scale.layers.1.bias']


def test_cli_writes_a_loadable_checkpoint(tmp_path):
    src = str(tmp_path / 'official.pth')
    torch.save({'model': _official(fill='random')}, src)
    dst = str(tmp_path / 'out' / 'converted.pth')
    result = run_tool([CONVERTER, src, dst, '--config', CONFIG])
    assert result.returncode == 0, result.stderr[-3000:]
    checkpoint = torch.load(dst, map_location='cpu', weights_only=True)
    assert checkpoint['meta']['dataset_meta']['classes'][0] == 'person'
    assert len(checkpoint['state_dict']) == 648
    # a broken file gives no output
    broken = {'model': {'transformer.unknown': torch.zeros(1)}}
    torch.save(broken, src)
    bad_dst = str(tmp_path / 'bad.pth')
    assert tool_main(CONVERTER)([src, bad_dst, '--config', CONFIG]) == 1
    assert not osp.exists(bad_dst)
