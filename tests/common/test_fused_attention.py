"""mmcv's MultiheadAttention on PyTorch's fused kernel
(projects/common/models/fused_attention.py) against mmcv's own path."""
import copy

import pytest
import torch
from mmcv.cnn.bricks.transformer import MultiheadAttention
from torch.profiler import profile

from projects.common.models import (use_explicit_attention,
                                    use_fused_attention)

FUSED_OPS = ('aten::_scaled_dot_product_flash_attention_for_cpu',
             'aten::_scaled_dot_product_attention_math')


def _pair():
    torch.manual_seed(0)
    explicit = MultiheadAttention(embed_dims=32, num_heads=4,
                                  batch_first=True)
    fused = use_fused_attention(copy.deepcopy(explicit))
    return explicit, fused


def _masks(kind, bs=2, heads=4, n=7):
    if kind == 'none':
        return None, None
    if kind == 'bool':  # a DINO-style denoising mask: True blocks
        mask = torch.rand(n, n) < 0.4
        mask.fill_diagonal_(False)
        return mask, None
    if kind == 'float':  # a learned bias with -inf where blocked
        bias = torch.randn(bs * heads, n, n)
        bias[:, 0, 3] = float('-inf')
        return bias, None
    padding = torch.zeros(bs, n, dtype=torch.bool)
    padding[1, -2:] = True
    return None, padding


def _ops(fn):
    with profile() as prof:
        fn()
    return {event.key for event in prof.key_averages()}


@pytest.mark.parametrize('kind', ['none', 'bool', 'float', 'padding'])
def test_fused_equals_explicit_outputs_and_gradients(kind):
    explicit, fused = _pair()
    mask, padding = _masks(kind)
    query = torch.randn(2, 7, 32)
    pos = torch.randn(2, 7, 32)
    outs, grads = [], []
    for module in (explicit, fused):
        q = query.clone().requires_grad_()
        out = module(q, query_pos=pos, attn_mask=mask,
                     key_padding_mask=padding)
        out.square().sum().backward()
        outs.append(out)
        grads.append([q.grad] + [p.grad for p in module.parameters()])
    torch.testing.assert_close(outs[1], outs[0], rtol=1e-5, atol=1e-6)
    for got, expected in zip(grads[1], grads[0]):
        torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)


def test_fused_path_runs_the_kernel_except_for_a_mask_with_gradient():
    explicit, fused = _pair()
    query = torch.randn(2, 7, 32)
    bias, _ = _masks('float')
    assert not _ops(lambda: explicit(query)).intersection(FUSED_OPS)
    assert _ops(lambda: fused(query)).intersection(FUSED_OPS)
    with torch.no_grad():
        assert _ops(lambda: fused(query, attn_mask=bias)).intersection(
            FUSED_OPS)
    # a bias that learns: the explicit path (the fused kernel would fall
    # back to its slower math path) and the bias gets its gradient
    learned = bias.clone().requires_grad_()
    assert not _ops(lambda: fused(query, attn_mask=learned)).intersection(
        FUSED_OPS)
    fused(query, attn_mask=learned).sum().backward()
    reference = bias.clone().requires_grad_()
    explicit(query, attn_mask=reference).sum().backward()
    torch.testing.assert_close(learned.grad, reference.grad)


def test_switch_keeps_weights_and_names_and_reverts():
    explicit, fused = _pair()
    assert fused.state_dict().keys() == explicit.state_dict().keys()
    for key, value in explicit.state_dict().items():
        assert torch.equal(fused.state_dict()[key], value)
    assert type(fused.attn) is not torch.nn.MultiheadAttention
    use_explicit_attention(fused)
    assert type(fused.attn) is torch.nn.MultiheadAttention
    query = torch.randn(2, 7, 32)
    torch.testing.assert_close(fused(query), explicit(query))


@pytest.mark.parametrize('config', [
    'configs/relation_detr/relation-detr_r18_1xb4-1000i_toy.py',
    'configs/focus_detr/focus-detr_r18_1xb8-500i_toy.py',
    'configs/plain_detr/plain-detr_r18_1xb8-500i_toy.py',
])
def test_detectors_build_their_attention_fused(config):
    from projects.common.utils import build_model_from_config
    model = build_model_from_config(config)
    attentions = [m for m in model.modules()
                  if isinstance(m, MultiheadAttention)]
    assert attentions
    assert all(type(m.attn) is not torch.nn.MultiheadAttention
               for m in attentions)
