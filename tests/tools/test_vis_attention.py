"""tools/analysis_tools/vis_attention.py and plot_curves.py: every probe
draws its pictures for a tiny random model, and the drawn maps are the
ones the attention computes (weights summing as the attention does, and
the module's output rebuilt from them)."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from projects.common.testing import (MIXFORMER_TOY_CONFIG, RELATION_TOY_CONFIG,
                                     ROOT, save_random_toy_detector,
                                     tool_main, toy_detector)
from projects.common.utils import UserInputError
from projects.common.visualization import (draw_all, load_model,
                                           model_probes, run_image, run_video)

CONFIGS = dict(
    relation=RELATION_TOY_CONFIG,
    plain=osp.join(ROOT, 'configs', 'plain_detr',
                   'plain-detr_r18_1xb8-500i_toy.py'),
    focus=osp.join(ROOT, 'configs', 'focus_detr',
                   'focus-detr_r18_1xb8-500i_toy.py'),
    biformer=osp.join(ROOT, 'configs', 'biformer',
                      'retinanet_biformer-mini_fpn_1xb8-500i_toy.py'))
TOOL = 'tools/analysis_tools/vis_attention.py'


@pytest.fixture(scope='module')
def image(tmp_path_factory):
    """A 160x120 picture of a few shapes (the toy pipeline resizes it)."""
    rng = np.random.default_rng(0)
    img = np.full((120, 160, 3), 90, np.uint8)
    cv2.rectangle(img, (20, 30), (70, 90), (40, 200, 40), -1)
    cv2.circle(img, (115, 60), 25, (200, 40, 40), -1)
    img = np.clip(img + rng.integers(0, 20, img.shape), 0, 255)
    path = str(tmp_path_factory.mktemp('vis') / 'shapes.png')
    cv2.imwrite(path, img.astype(np.uint8))
    return path


@pytest.fixture(scope='module')
def relation_ckpt(tmp_path_factory):
    """The toy Relation-DETR, random, saved once for this module."""
    return save_random_toy_detector(
        str(tmp_path_factory.mktemp('ckpt') / 'relation.pth'),
        config=RELATION_TOY_CONFIG)


def _run(name, image, tmp_path, extra_hooks=None, ckpt=None, **kwargs):
    """Load the random toy model ``name``, run it on ``image`` under its
    probes (plus ``extra_hooks(model)`` handles recording the module's own
    values) and draw; returns (model, probes, files)."""
    ckpt = ckpt or save_random_toy_detector(str(tmp_path / f'{name}.pth'),
                                            config=CONFIGS[name])
    model = load_model(CONFIGS[name], ckpt)
    probes = model_probes(model)
    handles = extra_hooks(model) if extra_hooks else []
    scene = run_image(model, probes, image, **kwargs)
    for handle in handles:
        handle.remove()
    files = draw_all(probes, scene, str(tmp_path / 'out'))
    for path in files:
        assert osp.getsize(path) > 0
    return model, {type(p).__name__: p for p in probes}, files


def _names(files):
    return sorted(osp.basename(f) for f in files)


def _keep(store, key, module, inputs=False):
    """A hook storing ``module``'s output (or its inputs) in ``store``."""
    if inputs:
        return module.register_forward_pre_hook(
            lambda m, a, k: store.__setitem__(key, (a, k)), with_kwargs=True)
    return module.register_forward_hook(
        lambda m, a, out: store.__setitem__(key, out))


def _check_deformable(probe, model, seen):
    """Weights sum to 1 over levels x points per (query, head); sampling
    the hooked values with the drawn locations and weights gives what the
    module fed its output projection."""
    from mmcv.ops.multi_scale_deform_attn import \
        multi_scale_deformable_attn_pytorch
    locations, weights = probe.sampling()
    sums = weights.sum(dim=(-2, -1))
    torch.testing.assert_close(sums, torch.ones_like(sums))
    attn = model.decoder.layers[-1].cross_attn
    kwargs = probe.record('inputs')[1]
    value = seen['value']
    if kwargs.get('key_padding_mask') is not None:
        value = value.masked_fill(kwargs['key_padding_mask'][..., None], 0.)
    value = value.view(*value.shape[:2], attn.num_heads, -1)
    rebuilt = multi_scale_deformable_attn_pytorch(
        value, kwargs['spatial_shapes'], locations, weights)
    torch.testing.assert_close(rebuilt, seen['out_in'][0][0], atol=1e-5,
                               rtol=1e-4)


def _deformable_hooks(seen):
    def hooks(model):
        attn = model.decoder.layers[-1].cross_attn
        return [_keep(seen, 'value', attn.value_proj),
                _keep(seen, 'out_in', attn.output_proj, inputs=True)]
    return hooks


def test_relation_detr_pictures(image, tmp_path, relation_ckpt):
    seen = {}
    deform_hooks = _deformable_hooks(seen)

    def hooks(model):
        return deform_hooks(model) + [_keep(
            seen, 'self_attn', model.decoder.layers[-1].self_attn,
            inputs=True)]

    model, probes, files = _run('relation', image, tmp_path, hooks,
                                ckpt=relation_ckpt, topk=3)
    assert _names(files) == [
        'shapes_deform_points_top1.png', 'shapes_deform_points_top2.png',
        'shapes_deform_points_top3.png', 'shapes_relation_bias.png']
    _check_deformable(probes['DeformableDecoderProbe'], model, seen)
    # the drawn matrix is the bias the last self-attention received
    probe = probes['RelationBiasProbe']
    mask = seen['self_attn'][1]['attn_mask']  # (bs * heads, n, n)
    heads = probe.bias().shape[1]
    torch.testing.assert_close(probe.bias()[0], mask[:heads])
    queries = [3, 0, 7]
    np.testing.assert_array_equal(
        probe.matrix(queries), mask[:heads][:, queries][:, :, queries])


def test_plain_detr_pictures(image, tmp_path):
    seen = {}

    def hooks(model):
        attn = model.decoder.layers[-1].cross_attn
        return [_keep(seen, 'v', attn.v),
                _keep(seen, 'proj_in', attn.proj, inputs=True)]

    model, probes, files = _run('plain', image, tmp_path, hooks, topk=2)
    assert _names(files) == ['shapes_boxrpb_attn_top1.png',
                             'shapes_boxrpb_attn_top2.png']
    weights, _, (h, w) = probes['BoxRPBAttentionProbe'].attention()
    assert weights.shape[-1] == h * w
    sums = weights.sum(-1)
    torch.testing.assert_close(sums, torch.ones_like(sums))
    # attention x values = what the module projects
    attn = model.decoder.layers[-1].cross_attn
    v = seen['v'].unflatten(-1, (attn.num_heads, -1)).transpose(1, 2)
    rebuilt = (weights @ v).transpose(1, 2).flatten(2)
    torch.testing.assert_close(rebuilt, seen['proj_in'][0][0], atol=1e-5,
                               rtol=1e-4)


def test_focus_detr_pictures(image, tmp_path):
    seen = {}
    model, probes, files = _run('focus', image, tmp_path,
                                _deformable_hooks(seen), topk=1)
    levels = model.num_feature_levels
    assert _names(files) == ['shapes_deform_points_top1.png'] + [
        f'shapes_focus_fg_level{lvl}.png' for lvl in range(levels)]
    _check_deformable(probes['DeformableDecoderProbe'], model, seen)
    probe = probes['ForegroundSelectionProbe']
    kwargs = probe.record('encoder')[1]
    drawn = torch.cat([m.flatten(1) for m in probe.level_maps()], 1)
    used = kwargs['foreground_scores']  # padded tokens filled by select()
    valid = torch.ones_like(used, dtype=torch.bool) \
        if kwargs.get('key_padding_mask') is None \
        else ~kwargs['key_padding_mask']
    torch.testing.assert_close(drawn[valid], used[valid])
    # the kept tokens are the best-scoring ones, as many as the cascade says
    kept = probe.kept_tokens()
    assert len(kept) == len(model.cascade)
    top = used[0].topk(kept[0].shape[1]).indices
    assert set(kept[0][0].tolist()) == set(top.tolist())
    assert kept[-1].shape[1] < kept[0].shape[1]


def test_biformer_pictures(image, tmp_path):
    from projects.biformer.bra import routed_attention_reference
    seen = {}

    def hooks(model):
        handles = []
        for stage in range(3):
            attn = model.backbone.stages[stage][-1].attn
            handles += [_keep(seen, f'qkv{stage}', attn.qkv),
                        _keep(seen, f'wo{stage}', attn.wo, inputs=True)]
        return handles

    model, probes, files = _run('biformer', image, tmp_path, hooks,
                                query_point=(40.0, 60.0))
    probe = probes['RegionRoutingProbe']
    routing = probe.routing()
    assert _names(files) == [f'shapes_biformer_routing_stage{s}.png'
                             for s in sorted(routing)]
    for stage, info in routing.items():
        attn = model.backbone.stages[stage][-1].attn
        index, s = info['index'], info['n_win']
        # every region routes to topk distinct regions
        assert index.shape[-1] == min(attn.topk, s * s)
        assert all(len(set(row)) == index.shape[-1]
                   for row in index[0].tolist())
        # the module's routed attention with the drawn routing
        qkv = seen[f'qkv{stage}']
        n, hp, wp, _ = qkv.shape
        regions = qkv.view(n, s, hp // s, s, wp // s, -1).permute(
            0, 1, 3, 2, 4, 5).reshape(n, s * s, -1, qkv.shape[-1])
        c = attn.embed_dims
        q, k, v = regions.split([attn.qk_dims, attn.qk_dims, c], dim=-1)
        heads = (lambda t: t.unflatten(-1, (attn.num_heads, -1)))
        out = routed_attention_reference(heads(q), heads(k), heads(v), index,
                                         attn.scale)
        out = out.reshape(n, s, s, hp // s, wp // s, c).permute(
            0, 1, 3, 2, 4, 5).reshape(n, hp, wp, c)
        if attn.lepe is not None:
            out = out + attn.lepe(qkv[..., 2 * attn.qk_dims:].permute(
                0, 3, 1, 2)).permute(0, 2, 3, 1)
        torch.testing.assert_close(out, seen[f'wo{stage}'][0][0],
                                   atol=1e-5, rtol=1e-4)


def test_mixformer_pictures(tmp_path):
    frames = tmp_path / 'toy_seq' / 'imgs'  # pictures named after toy_seq
    frames.mkdir(parents=True)
    for i in range(4):
        img = np.full((200, 240, 3), 60, np.uint8)
        cv2.rectangle(img, (60 + 8 * i, 70), (110 + 8 * i, 120),
                      (30, 220, 220), -1)
        cv2.imwrite(str(frames / f'{i}.jpg'), img)
    model = toy_detector(MIXFORMER_TOY_CONFIG)
    ckpt = str(tmp_path / 'mixformer.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    model = load_model(MIXFORMER_TOY_CONFIG, ckpt)
    probes = model_probes(model)
    assert [type(p).__name__ for p in probes] == ['MixedAttentionProbe']
    attn = model.backbone.stages()[-1].blocks[-1].attn
    seen = []
    handles = [
        attn.proj_v.register_forward_hook(
            lambda m, a, out: seen.append(['v', out])),
        attn.proj.register_forward_pre_hook(
            lambda m, a: seen[-1].append(a[0]))]
    scene = run_video(model, probes, str(frames), (60, 70, 50, 50),
                      max_frames=2)
    for handle in handles:
        handle.remove()
    files = draw_all(probes, scene, str(tmp_path / 'out'))
    assert _names(files) == ['toy_seq_mixformer_frame1.png',
                             'toy_seq_mixformer_frame2.png',
                             'toy_seq_mixformer_scores.png']
    assert [f.index for f in scene.frames] == [0, 1, 2]
    assert all(0 <= f.score <= 1 for f in scene.frames[1:])
    records = scene.frames[-1].records
    weights = records['attention']  # (heads, search tokens, keys)
    sums = weights.sum(-1)
    torch.testing.assert_close(sums, torch.ones_like(sums))
    assert 0 < records['num_template_keys'] < weights.shape[-1]
    # attention x values = what the last search pass projected
    _, v, proj_in = seen[-1]
    v = v.unflatten(-1, (attn.num_heads, -1)).transpose(1, 2)[0]
    rebuilt = (weights @ v).transpose(0, 1).flatten(1)
    torch.testing.assert_close(rebuilt, proj_in[0], atol=1e-5, rtol=1e-4)


def test_cli_on_a_real_image(shared_data, tmp_path, capsys,
                             relation_ckpt):
    """The command on a real COCO image with the random toy Relation-DETR
    (the pictures the README names)."""
    image = osp.join(shared_data, 'coco', 'tinycoco', 'train2017',
                     '000000006818.jpg')
    out = tmp_path / 'vis'
    main = tool_main(TOOL)
    assert main([RELATION_TOY_CONFIG, relation_ckpt, image, '--out-dir',
                 str(out), '--topk', '2']) == 0
    printed = [line for line in capsys.readouterr().out.splitlines()
               if line.endswith('.png')]
    assert sorted(osp.basename(p) for p in printed) == sorted(os.listdir(out))
    assert sorted(os.listdir(out)) == [
        '000000006818_deform_points_top1.png',
        '000000006818_deform_points_top2.png',
        '000000006818_relation_bias.png']


@pytest.mark.parametrize('case,match', [
    ('image', 'no such image file'),
    ('checkpoint', 'no such checkpoint file'),
    ('topk', '--topk 0'),
    ('bbox', 'needs --init-bbox'),
])
def test_cli_errors(case, match, image, tmp_path, relation_ckpt):
    ckpt = str(tmp_path / 'missing.pth') if case == 'checkpoint' \
        else relation_ckpt
    argv = [RELATION_TOY_CONFIG, ckpt, image, '--out-dir', str(tmp_path)]
    if case == 'image':
        argv[2] = str(tmp_path / 'missing.jpg')
    elif case == 'topk':
        argv += ['--topk', '0']
    elif case == 'bbox':
        ckpt = str(tmp_path / 'mixformer.pth')
        torch.save(dict(state_dict=toy_detector(
            MIXFORMER_TOY_CONFIG).state_dict()), ckpt)
        argv[:2] = [MIXFORMER_TOY_CONFIG, ckpt]
    with pytest.raises(UserInputError, match=match):
        tool_main(TOOL)(argv)


def test_unknown_family_names_the_fix():
    with pytest.raises(UserInputError, match='no attention probe applies to '
                       'a Linear.*projects/common/visualization'):
        model_probes(torch.nn.Linear(2, 2), 'my_config.py')


def _fake_run(work_dir):
    """A json log as mmengine writes it: 4 training lines, 2 validations."""
    log = work_dir / '20250101_000000' / 'vis_data'
    log.mkdir(parents=True)
    lines = [dict(lr=1e-4, loss=4.0 - i, loss_cls=1.0 - i / 10,
                  loss_bbox=0.5, iter=10 * i, step=10 * i)
             for i in range(1, 5)]
    lines.insert(2, {'coco/bbox_mAP': 0.1, 'coco/bbox_mAP_50': 0.3,
                     'step': 0})  # mmengine: the epoch
    lines.append({'coco/bbox_mAP': 0.2, 'coco/bbox_mAP_50': 0.4, 'step': 0})
    with open(log / '20250101_000000.json', 'w') as f:
        f.write('\n'.join(json.dumps(line) for line in lines) + '\n')


def test_plot_curves(tmp_path, capsys):
    from projects.common.visualization.curves import read_json_log
    _fake_run(tmp_path)
    main = tool_main('tools/analysis_tools/plot_curves.py')
    assert main([str(tmp_path)]) == 0
    out = capsys.readouterr().out.strip()
    assert out == str(tmp_path / 'curves.png') and osp.getsize(out) > 0
    train, val = read_json_log(str(next(tmp_path.glob('*/vis_data/*.json'))))
    assert [s for s, _ in train['loss']] == [10, 20, 30, 40]
    assert val['coco/bbox_mAP'] == [(20, 0.1), (40, 0.2)]
    with pytest.raises(UserInputError, match='no <timestamp>/vis_data'):
        main([str(tmp_path / '20250101_000000')])


def test_top_queries_follow_a_softmax_head_ranking():
    """A softmax DETR head predicts one (best non-background) class per
    query; the k-th detection is the query of the k-th best score."""
    import types

    from mmengine.structures import InstanceData

    from projects.common.visualization.detections import top_queries
    logits = torch.randn(1, 10, 4, generator=torch.Generator().manual_seed(0))
    scores, labels = logits[0].softmax(-1)[:, :-1].max(-1)
    values, index = scores.topk(5)
    head = types.SimpleNamespace(
        loss_cls=types.SimpleNamespace(use_sigmoid=False),
        test_cfg=dict(max_per_img=5))
    probe = types.SimpleNamespace(
        model=types.SimpleNamespace(bbox_head=head), record=lambda k: logits)
    sample = types.SimpleNamespace(pred_instances=InstanceData(
        scores=values, labels=labels[index], bboxes=torch.rand(5, 4)))
    found = top_queries(probe, sample, 3)
    assert [d['query'] for d in found] == index[:3].tolist()
    assert [d['label'] for d in found] == labels[index[:3]].tolist()
