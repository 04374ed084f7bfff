"""Bi-level routing attention: the fast (streaming) path equals the
reference (official gather) path, and the reference path follows the
official algorithm step by step."""
import pytest
import torch
import torch.nn.functional as F

from projects.biformer import (BiLevelRoutingAttention,
                               routed_attention_reference,
                               routed_attention_streaming)


def _bra(**kwargs):
    torch.manual_seed(0)
    bra = BiLevelRoutingAttention(**kwargs)
    with torch.no_grad():  # no trivially zero bias / conv
        for p in bra.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    return bra


@pytest.mark.parametrize('size,n_win,topk,heads,chunk', [
    ((16, 16), 4, 4, 2, 1),   # divisible
    ((13, 18), 4, 5, 4, 1),   # padding on both sides
    ((7, 9), 3, 9, 2, 2),     # every region routed, chunks of 2
    ((5, 11), 2, 3, 1, 3),    # one step (fused attention)
    ((3, 2), 4, 16, 2, 1),    # map smaller than the region grid
])
def test_fast_equals_reference(size, n_win, topk, heads, chunk):
    bra = _bra(embed_dims=32, num_heads=heads, n_win=n_win, topk=topk,
               auto_pad=True, chunk=chunk)
    x = torch.randn(2, *size, 32, requires_grad=True)
    bra.attn_impl = 'reference'
    ref = bra(x)
    grad_ref = torch.autograd.grad(ref.square().sum(), x)[0]
    bra.attn_impl = 'fast'
    fast = bra(x)
    grad_fast = torch.autograd.grad(fast.square().sum(), x)[0]
    assert fast.shape == x.shape
    torch.testing.assert_close(fast, ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(grad_fast, grad_ref, atol=1e-4, rtol=1e-4)


def test_attention_cores_agree_on_random_routing():
    g = torch.Generator().manual_seed(1)
    q, k = torch.randn(2, 2, 9, 6, 3, 8, generator=g)
    v = torch.randn(2, 9, 6, 3, 5, generator=g)
    index = torch.stack(
        [torch.randperm(9, generator=g)[:4] for _ in range(18)]).view(2, 9, 4)
    ref = routed_attention_reference(q, k, v, index, 0.3)
    for chunk in (1, 3, 4):
        out = routed_attention_streaming(q, k, v, index, 0.3, chunk)
        torch.testing.assert_close(out, ref, atol=1e-6, rtol=1e-5)


def _official_bra(bra, x):
    """The legacy algorithm written out directly (pad, project, region
    means, top-k on detached descriptors, gather, one softmax with scale
    qk_dims ** -0.5, LePE on the padded value map, output projection,
    crop)."""
    n, h, w, c = x.shape
    s = bra.n_win
    xp = F.pad(x, (0, 0, 0, (s - w % s) % s, 0, (s - h % s) % s))
    hp, wp = xp.shape[1:3]
    qkv = bra.qkv(xp)
    q, k, v = qkv.split([c, c, c], dim=-1)
    out = torch.zeros(n, hp, wp, c)
    rh, rw = hp // s, wp // s

    def region(t, b, r):
        i, j = divmod(r, s)
        return t[b, i * rh:(i + 1) * rh, j * rw:(j + 1) * rw].reshape(-1, c)

    lepe = bra.lepe(v.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
    m = bra.num_heads
    for b in range(n):
        qr = torch.stack([region(q, b, r).mean(0) for r in range(s * s)])
        kr = torch.stack([region(k, b, r).mean(0) for r in range(s * s)])
        top = (qr @ kr.T).topk(min(bra.topk, s * s), dim=-1).indices
        for r in range(s * s):
            keys = torch.cat([region(k, b, int(t)) for t in top[r]])
            vals = torch.cat([region(v, b, int(t)) for t in top[r]])
            qs = region(q, b, r)
            heads = []
            for hd in range(m):
                sl = slice(hd * c // m, (hd + 1) * c // m)
                att = ((qs[:, sl] * c**-0.5) @ keys[:, sl].T).softmax(-1)
                heads.append(att @ vals[:, sl])
            i, j = divmod(r, s)
            out[b, i * rh:(i + 1) * rh, j * rw:(j + 1) * rw] = torch.cat(
                heads, -1).view(rh, rw, c)
    return bra.wo(out + lepe)[:, :h, :w]


@pytest.mark.parametrize('impl', ['reference', 'fast'])
def test_matches_the_legacy_algorithm(impl):
    bra = _bra(embed_dims=16, num_heads=2, n_win=3, topk=2, auto_pad=True,
               attn_impl=impl)
    x = torch.randn(2, 7, 8, 16)
    with torch.no_grad():
        torch.testing.assert_close(
            bra(x), _official_bra(bra, x), atol=1e-5, rtol=1e-5)


def test_routing_picks_the_top_k_regions_and_scale_is_full_width():
    """Region routing by hand: query region i keeps the key regions of its
    k largest dot products (an integer index: no gradient flows through
    the routing, as officially)."""
    bra = _bra(embed_dims=64, num_heads=2, n_win=2, topk=2)
    assert bra.scale == pytest.approx(64**-0.5)  # not (64 / 2) ** -0.5
    q = torch.zeros(1, 3, 64)
    k = torch.zeros(1, 3, 64)
    q[0, 0, 0], q[0, 1, 1], q[0, 2, :2] = 1, 1, torch.tensor([1., -1.])
    k[0, :, 0] = torch.tensor([3., 1., 0.])
    k[0, :, 1] = torch.tensor([0., 2., 5.])
    # dot products: q0 -> [3, 1, 0], q1 -> [0, 2, 5], q2 -> [3, -1, -5]
    index = bra.route(q, k)
    assert index.dtype == torch.int64
    assert index.tolist() == [[[0, 1], [2, 1], [0, 1]]]
    bra.topk = 5  # more than the 3 regions: all of them, best first
    assert bra.route(q, k).tolist() == [[[0, 1, 2], [2, 1, 0], [0, 1, 2]]]


def test_bad_settings_are_clear_errors():
    bra = BiLevelRoutingAttention(16, num_heads=2, n_win=4, topk=2)
    with pytest.raises(ValueError, match='auto_pad=True'):
        bra(torch.randn(1, 6, 8, 16))
    with pytest.raises(ValueError, match='must divide'):
        BiLevelRoutingAttention(16, num_heads=3)
    with pytest.raises(ValueError, match='attn_impl'):
        BiLevelRoutingAttention(16, num_heads=2, attn_impl='cuda')


@pytest.mark.parametrize('chunk', [1, 3])
def test_streaming_backward_is_exact(chunk):
    """The recomputing backward of the fast path, in float64 (2 images, 6
    regions of 3 tokens, 2 heads, 4 routed regions: chunk 3 leaves a
    partial last step; small enough for gradcheck's per-input
    differences)."""
    g = torch.Generator().manual_seed(2)
    q = torch.randn(2, 6, 3, 2, 4, generator=g, dtype=torch.float64,
                    requires_grad=True)
    k = torch.randn(2, 6, 3, 2, 4, generator=g, dtype=torch.float64,
                    requires_grad=True)
    v = torch.randn(2, 6, 3, 2, 3, generator=g, dtype=torch.float64,
                    requires_grad=True)
    index = torch.stack(
        [torch.randperm(6, generator=g)[:4] for _ in range(12)]).view(2, 6, 4)
    assert torch.autograd.gradcheck(
        lambda q, k, v: routed_attention_streaming(q, k, v, index, 0.3,
                                                   chunk), (q, k, v))


@pytest.mark.parametrize('dtype', [torch.bfloat16])
def test_fast_path_under_autocast(dtype):
    """Mixed precision (the official COCO recipes train with fp16): the
    streaming softmax runs in float32 inside, forward and backward work and
    stay close to the reference path under the same autocast."""
    bra = _bra(embed_dims=32, num_heads=2, n_win=4, topk=4, auto_pad=True)
    x = torch.randn(2, 13, 18, 32, requires_grad=True)
    outs, grads = {}, {}
    for impl in ('reference', 'fast'):
        bra.attn_impl = impl
        with torch.autocast('cpu', dtype=dtype):
            out = bra(x)
        grads[impl] = torch.autograd.grad(out.float().square().sum(), x)[0]
        outs[impl] = out.float()
    assert torch.isfinite(grads['fast']).all()
    torch.testing.assert_close(outs['fast'], outs['reference'], atol=5e-2,
                               rtol=5e-2)
    torch.testing.assert_close(grads['fast'], grads['reference'], atol=0.1,
                               rtol=0.1)
