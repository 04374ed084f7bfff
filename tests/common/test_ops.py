"""The fast paths of deformable attention against mmcv's grid_sample path:
the compiled CPU operator of projects/common/ops and the weighted gather of
projects/common/models (inference without the operator)."""
import importlib

import pytest
import torch
from mmcv.ops.multi_scale_deform_attn import \
    multi_scale_deformable_attn_pytorch

from projects.common.models import deform_attn_gather, ms_deform_attn
from projects.common.ops import ms_deform_attn_cpu, ms_deform_attn_cpu_available

msda_module = importlib.import_module('projects.common.models.ms_deform_attn')
op_module = importlib.import_module('projects.common.ops.msda_cpu')


def test_cpu_deformable_attention_is_built():
    assert ms_deform_attn_cpu_available(), (
        'projects/common/ops/_ms_deform_attn_cpu is not built: run `make '
        'venv` or `pip install --no-build-isolation -e .`')


def _inputs(dtype, dims=5, bs=2, queries=37, heads=3, points=4, seed=0):
    """Locations from well outside the maps to well past them, plus exact
    borders and pixel centres."""
    gen = torch.Generator().manual_seed(seed)
    shapes = torch.tensor([[7, 9], [4, 5], [2, 3], [1, 1]])
    start = torch.cat([shapes.new_zeros(1),
                       (shapes[:, 0] * shapes[:, 1]).cumsum(0)[:-1]])
    levels = len(shapes)
    value = torch.randn(bs, int((shapes[:, 0] * shapes[:, 1]).sum()), heads,
                        dims, dtype=dtype, generator=gen)
    locations = torch.rand(bs, queries, heads, levels, points, 2,
                           dtype=dtype, generator=gen) * 1.6 - 0.3
    locations[0, 0] = 0.0
    locations[0, 1] = 1.0
    locations[0, 2, :, :, :, 0] = 0.5 / shapes[:, 1].to(dtype)[:, None]
    weights = torch.rand(bs, queries, heads, levels, points, dtype=dtype,
                         generator=gen)
    return value, shapes, start, locations, weights


def _run(fn, value, shapes, start, locations, weights, grad_seed=1):
    inputs = [t.clone().requires_grad_() for t in (value, locations,
                                                   weights)]
    out = fn(inputs[0], shapes, start, inputs[1], inputs[2])
    grad = torch.randn(out.shape, dtype=out.dtype,
                       generator=torch.Generator().manual_seed(grad_seed))
    out.backward(grad)
    return [out.detach()] + [t.grad for t in inputs]


def _reference(value, shapes, start, locations, weights):
    return multi_scale_deformable_attn_pytorch(value, shapes, locations,
                                               weights)


@pytest.mark.skipif(not ms_deform_attn_cpu_available(),
                    reason='compiled CPU operator not built')
@pytest.mark.parametrize('dims', [5, 16])
@pytest.mark.parametrize('dtype', [torch.float64, torch.float32])
def test_cpu_op_equals_grid_sample_path_forward_and_backward(dtype, dims):
    """Output and the gradients of value, locations and weights equal
    mmcv's grid_sample path (float rounding), border and outside samples
    included; dims 5 and 16 cover both loops of the dot product."""
    args = _inputs(dtype, dims)
    got = _run(ms_deform_attn_cpu, *args)
    expected = _run(_reference, *args)
    assert got[0].shape == (2, 37, 3 * dims)
    for name, a, b in zip(('output', 'value', 'locations', 'weights'), got,
                          expected):
        if dtype == torch.float64:
            torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10,
                                       msg=name)
        else:
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4, msg=name)


@pytest.mark.parametrize('dtype', [torch.float64, torch.float32])
def test_gather_path_equals_grid_sample_path(dtype):
    """The inference path without the operator (one weighted gather)
    computes what mmcv's grid_sample path computes, border and outside
    samples included."""
    args = _inputs(dtype)
    got = deform_attn_gather(*args)
    assert got.shape == (2, 37, 3 * 5)
    tol = dict(rtol=0, atol=1e-12) if dtype == torch.float64 else {}
    torch.testing.assert_close(got, _reference(*args), **tol)


@pytest.mark.skipif(not ms_deform_attn_cpu_available(),
                    reason='compiled CPU operator not built')
def test_cpu_op_gradcheck():
    value, shapes, start, locations, weights = _inputs(
        torch.float64, dims=3, bs=1, queries=4, heads=2, points=2)
    # random points inside the maps: off the pixel grid's kinks, where
    # finite differences disagree with any one-sided derivative
    locations = torch.rand(locations.shape, dtype=torch.float64,
                           generator=torch.Generator().manual_seed(3))
    locations = locations * 1.2 - 0.1
    inputs = [t.clone().requires_grad_() for t in (value, locations,
                                                   weights)]
    assert torch.autograd.gradcheck(
        lambda v, loc, w: ms_deform_attn_cpu(v, shapes, start, loc, w),
        inputs)


@pytest.mark.skipif(not ms_deform_attn_cpu_available(),
                    reason='compiled CPU operator not built')
def test_cpu_op_is_deterministic_across_thread_counts():
    args = _inputs(torch.float32, dims=8, queries=200)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = _run(ms_deform_attn_cpu, *args)
        torch.set_num_threads(max(2, threads))
        many = _run(ms_deform_attn_cpu, *args)
    finally:
        torch.set_num_threads(threads)
    for a, b in zip(one, many):
        assert torch.equal(a, b)


@pytest.mark.skipif(not ms_deform_attn_cpu_available(),
                    reason='compiled CPU operator not built')
def test_cpu_op_skips_gradients_not_asked_for():
    value, shapes, start, locations, weights = _inputs(torch.float32)
    locations.requires_grad_()
    ms_deform_attn_cpu(value, shapes, start, locations, weights).sum() \
        .backward()
    assert value.grad is None and weights.grad is None
    assert locations.grad is not None and locations.grad.abs().sum() > 0


@pytest.mark.skipif(not ms_deform_attn_cpu_available(),
                    reason='compiled CPU operator not built')
def test_cpu_op_rejects_mismatched_inputs():
    value, shapes, start, locations, weights = _inputs(torch.float32)
    with pytest.raises(RuntimeError, match='attention weights do not match'):
        ms_deform_attn_cpu(value, shapes, start, locations, weights[:, :3])
    with pytest.raises(RuntimeError, match='one \\(h, w\\) and start'):
        ms_deform_attn_cpu(value, shapes[:3], start[:3], locations, weights)


def test_cpu_op_missing_says_how_to_build(monkeypatch):
    monkeypatch.setattr(op_module, 'ms_deform_attn_cpu_available',
                        lambda: False)
    with pytest.raises(RuntimeError, match='pip install --no-build-isolation'):
        op_module.ms_deform_attn_cpu(*_inputs(torch.float32))


@pytest.mark.skipif(not ms_deform_attn_cpu_available(),
                    reason='compiled CPU operator not built')
def test_dispatch_uses_the_cpu_op_except_for_reference_and_tracing(
        monkeypatch):
    calls = []
    monkeypatch.setattr(msda_module, 'ms_deform_attn_cpu',
                        lambda *a: calls.append(1) or ms_deform_attn_cpu(*a))
    value, shapes, start, locations, weights = _inputs(torch.float32)
    with torch.no_grad():
        ms_deform_attn(value, shapes, start, locations, weights)
    value.requires_grad_()
    ms_deform_attn(value, shapes, start, locations, weights)
    assert len(calls) == 2
    ms_deform_attn(value, shapes, start, locations, weights, fast=False)
    assert len(calls) == 2
    # a traced graph (ONNX export) records PyTorch operators, which then
    # compute other inputs right
    traced = torch.jit.trace(
        lambda v, loc, w: ms_deform_attn(v, shapes, start, loc, w),
        (value.detach(), locations, weights), check_trace=False)
    assert len(calls) == 2
    other = _inputs(torch.float32, seed=5)
    torch.testing.assert_close(
        traced(other[0], other[3], other[4]), _reference(*other))
