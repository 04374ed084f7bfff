"""The Swin-V2 backbone of Plain-DETR's recipes (projects/plain_detr/
swin_v2.py): mmpretrain's SwinTransformerV2 with the official detection
variant's differences, checked against hand computations and against
mmpretrain's own modules where they must agree."""
import pytest
import torch
from torch import nn

import projects.plain_detr  # noqa: F401
from mmdet.registry import MODELS
from mmpretrain.models.utils import WindowMSAV2
from projects.plain_detr.checkpoint import unfold_reduction_order
from projects.plain_detr.swin_v2 import (CosineWindowMSAV2, GlobalMSA,
                                         GlobalMSAV2, cosine_attention,
                                         log_spaced_offsets,
                                         relative_position_index)

TINY = dict(
    type='PlainDETRSwinTransformerV2',
    arch=dict(embed_dims=16, depths=[2, 2, 2, 2], num_heads=[1, 2, 2, 4],
              extra_norm_every_n_blocks=0),
    window_size=4,
    pretrained_window_sizes=(4, 4, 4, 2),
    global_blocks=((), (), (), (0, 1)),
    out_indices=(3, ))


def _perturb(module, seed=0):
    torch.manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn_like(p) * 0.2)
    return module


def test_buffers_equal_mmpretrains():
    """The global blocks build their table and index at run time with
    their own code: for a map of the window's size they are mmpretrain's
    window buffers."""
    attn = WindowMSAV2(16, (5, 7), 2, pretrained_window_size=(4, 4))
    torch.testing.assert_close(
        log_spaced_offsets(5, 7, (4, 4))[None], attn.relative_coords_table)
    assert torch.equal(relative_position_index(5, 7),
                       attn.relative_position_index)


def test_cosine_attention_uses_the_official_norm_eps():
    """q / (|q| + 5e-5), not F.normalize: the two differ visibly for small
    q, k (the official detection Swin-V2 is the reference)."""
    torch.manual_seed(0)
    q, k, v = (torch.randn(1, 2, 5, 8) * 1e-3 for _ in range(3))
    logit_scale = torch.log(torch.full((2, 1, 1), 10.0))
    bias = torch.randn(2, 5, 5)
    out = cosine_attention(q, k, v, logit_scale, bias)
    qn = q / (q.norm(dim=-1, keepdim=True) + 5e-5)
    kn = k / (k.norm(dim=-1, keepdim=True) + 5e-5)
    attn = (qn @ kn.transpose(-2, -1) * 10 + 16 * torch.sigmoid(bias))
    torch.testing.assert_close(out, attn.softmax(-1) @ v)
    qf, kf = nn.functional.normalize(q, dim=-1), nn.functional.normalize(
        k, dim=-1)
    other = (qf @ kf.transpose(-2, -1) * 10 +
             16 * torch.sigmoid(bias)).softmax(-1) @ v
    assert not torch.allclose(out, other, atol=1e-6)
    # the scale is capped at 100
    capped = cosine_attention(q, k, v, torch.full((2, 1, 1), 9.0), bias)
    attn = (qn @ kn.transpose(-2, -1) * 100 + 16 * torch.sigmoid(bias))
    torch.testing.assert_close(capped, attn.softmax(-1) @ v)


def test_window_attention_matches_mmpretrain_but_for_the_eps():
    """Same parameters and buffers as mmpretrain's WindowMSAV2; with large
    inputs (where the eps does not matter) the outputs agree."""
    ours = _perturb(CosineWindowMSAV2(16, (4, 4), 2,
                                      pretrained_window_size=(3, 3)))
    theirs = WindowMSAV2(16, (4, 4), 2, pretrained_window_size=(3, 3))
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(3, 16, 16) * 100
    mask = torch.zeros(3, 16, 16)
    mask[1, :, 8:] = -100.0
    torch.testing.assert_close(ours(x, mask), theirs(x, mask), atol=1e-4,
                               rtol=1e-4)
    # small q, k (no biases): the official eps shows, mmpretrain's does not
    with torch.no_grad():
        for attn in (ours, theirs):
            attn.q_bias.zero_()
            attn.v_bias.zero_()
    tiny = torch.randn(3, 16, 16) * 1e-4
    assert not torch.allclose(ours(tiny), theirs(tiny), atol=1e-7)


def test_global_attention_is_one_window_over_the_whole_map():
    """A second algorithm: over a 4x4 map, global attention equals window
    attention with a 4x4 window (one window, no shift) and the same
    weights and pre-training window."""
    glob = _perturb(GlobalMSAV2(16, 2, pretrained_window_size=3))
    win = CosineWindowMSAV2(16, (4, 4), 2, pretrained_window_size=(3, 3))
    win.load_state_dict(glob.state_dict(), strict=False)
    x = torch.randn(2, 16, 16)
    torch.testing.assert_close(glob(x, (4, 4)), win(x))
    # any map size works; the bias follows the map
    assert glob(torch.randn(1, 15, 16), (3, 5)).shape == (1, 15, 16)


def test_drop_path_drops_the_post_normalised_branch():
    """Official order x + drop_path(norm(f(x))): a dropped sample keeps its
    input exactly, even with non-zero norm biases (mmpretrain's order would
    add the norm's bias)."""
    backbone = MODELS.build(dict(TINY, drop_path_rate=0.5))
    block = backbone.stages[0].blocks[1]
    assert block.drop_path.drop_prob > 0
    with torch.no_grad():
        block.norm1.bias.fill_(0.3)
        block.norm2.bias.fill_(-0.2)
    block.drop_path.forward = lambda t: t * 0  # drop every sample
    x = torch.randn(2, 8 * 8, 16)
    torch.testing.assert_close(block(x, (8, 8)), x)


def test_backbone_layout_shapes_and_odd_sizes():
    backbone = MODELS.build(TINY)
    backbone.init_weights()
    # the last stage is global, the others windowed with the official eps
    assert all(isinstance(b.attn, GlobalMSA)
               for b in backbone.stages[3].blocks)
    assert all(isinstance(b.attn.w_msa, CosineWindowMSAV2)
               for s in backbone.stages[:3] for b in s.blocks)
    assert backbone.stages[3].blocks[0].attn.w_msa.pretrained_window_size \
        == 2
    # every LayerNorm has eps 1e-6
    assert {m.eps for m in backbone.modules()
            if isinstance(m, nn.LayerNorm)} == {1e-6}
    # from scratch: residual post-norms start at zero (official)
    assert backbone.stages[1].blocks[0].norm1.weight.abs().sum() == 0
    # odd input sizes: padded to the patch, the windows and the merging
    out = backbone(torch.randn(1, 3, 100, 72))
    assert out[0].shape == (1, 128, 4, 3)
    out[0].sum().backward()


def test_layer_depths_follow_the_official_numbering():
    """Official get_swin_layer_id for Swin-V2-S: patch embedding 0, block
    b of stage s sum(depths[:s]) + b + 1, the patch merging closing stage s
    sum(depths[:s + 1]), the rest 25; lr scale 0.9 ** (25 - id)."""
    small = MODELS.build(dict(type='PlainDETRSwinTransformerV2'))
    depths = [2, 2, 18, 2]

    def official_id(stage=None, block=None, downsample_of=None):
        if downsample_of is not None:
            return sum(depths[:downsample_of + 1])
        return sum(depths[:stage]) + block + 1

    assert small.get_layer_depth('patch_embed.projection.weight') == (0, 26)
    assert small.get_layer_depth('stages.2.blocks.17.ffn.layers.1.bias') \
        == (official_id(2, 17), 26)
    assert small.get_layer_depth('stages.0.blocks.0.attn.w_msa.q_bias') \
        == (1, 26)
    # mmpretrain's stage s + 1 opens with the official stage s merging
    assert small.get_layer_depth('stages.3.downsample.reduction.weight') \
        == (official_id(downsample_of=2), 26)
    assert small.get_layer_depth('norm3.weight') == (25, 26)


def test_unfold_reduction_order_is_the_official_concatenation():
    """The official merging concatenates the neighbours (0,0), (1,0),
    (0,1), (1,1) then reduces; mmpretrain's PatchMerging (nn.Unfold) with
    the converted weight gives the same output."""
    from mmpretrain.models.utils import PatchMerging
    c = 3
    torch.manual_seed(0)
    official_weight = torch.randn(2 * c, 4 * c)
    merging = PatchMerging(c, 2 * c, norm_cfg=None)
    with torch.no_grad():
        merging.reduction.weight.copy_(unfold_reduction_order(
            official_weight))
    x = torch.randn(1, 4, 6, c)
    cat = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2],
                     x[:, 1::2, 1::2]], -1)
    expected = cat.view(1, -1, 4 * c) @ official_weight.T
    out, shape = merging(x.view(1, 24, c), (4, 6))
    assert shape == (2, 3)
    torch.testing.assert_close(out, expected)


def test_settings_are_checked():
    with pytest.raises(ValueError, match='global_blocks'):
        MODELS.build(dict(TINY, global_blocks=((), ())))
    with pytest.raises(ValueError, match='stage_cfgs'):
        MODELS.build(dict(TINY, stage_cfgs=dict()))
