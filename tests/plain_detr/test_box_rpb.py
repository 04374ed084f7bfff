"""BoxRPB cross-attention: a hand computation on a 2x3 map, and the fast
path against the reference one (outputs and gradients)."""
import pytest
import torch

from projects.plain_detr import BoxRPBCrossAttention


def _hand_module(attn_impl):
    """embed 4, one head, MLP hidden 2: MLP1 gives 0.1 (relu(dx1) +
    relu(dx2)), MLP2 0.1 (relu(dy1) - relu(dy2)); q = 0 so the logits are
    the bias alone; v and proj are identities."""
    m = BoxRPBCrossAttention(4, 1, rpe_hidden_dim=2, attn_impl=attn_impl,
                             chunk=1)
    with torch.no_grad():
        for mlp, out in ((m.cpb_mlp1, [0.1, 0.1]), (m.cpb_mlp2, [0.1, -0.1])):
            mlp[0].weight.copy_(torch.eye(2))
            mlp[0].bias.zero_()
            mlp[2].weight.copy_(torch.tensor([out]))
        m.q.weight.zero_()
        m.q.bias.zero_()
        for lin in (m.v, m.proj):
            lin.weight.copy_(torch.eye(4))
            lin.bias.zero_()
    return m


@pytest.mark.parametrize('attn_impl', ['reference', 'fast'])
def test_bias_by_hand_on_a_2x3_map(attn_impl):
    """Box (0.5, 0.5, 0.5, 0.5) on a 2x3 map of stride 16 (48 x 32 px):
    corners x 12, 36 and y 8, 24; key centres x 8, 24, 40 and y 8, 24.
    Column offsets [4, 28], [-12, 12], [-28, -4] -> 3.2, 1.2, 0; row
    offsets [0, 16], [-16, 0] -> -1.6, 0. Bias row-major:
    [1.6, -0.4, -1.6, 3.2, 1.2, 0]."""
    m = _hand_module(attn_impl)
    m.eval()
    module_bias = m.full_bias(torch.tensor([[[0.5, 0.5, 0.5, 0.5]]]), 2, 3)
    bias = torch.tensor([1.6, -0.4, -1.6, 3.2, 1.2, 0.0])
    torch.testing.assert_close(module_bias.flatten(), bias)
    values = torch.arange(24, dtype=torch.float32).view(1, 6, 4)
    query = torch.randn(1, 1, 4)
    ref = torch.tensor([[[0.5, 0.5, 0.5, 0.5]]])
    with torch.no_grad():
        out = m(query, torch.randn(1, 6, 4), values, ref, (2, 3))
        torch.testing.assert_close(out[0, 0],
                                   bias.softmax(0) @ values[0])
        # a padded token gets -100 (official), so almost no weight
        padding = torch.tensor([[False] * 5 + [True]])
        out = m(query, torch.randn(1, 6, 4), values, ref, (2, 3), padding)
        padded = bias.clone()
        padded[5] -= 100
        torch.testing.assert_close(out[0, 0],
                                   padded.softmax(0) @ values[0])


def test_abs_log8_offsets():
    m = BoxRPBCrossAttention(8, 2, rpe_hidden_dim=4, rpe_type='abs_log8')
    # edges 8 +- 7 around the first centre 8: sign(d) log2(|d| + 1) / 3
    delta = m._offsets(torch.tensor([[[1.0, 15.0]]]), 1)
    torch.testing.assert_close(delta.flatten(), torch.tensor([-1.0, 1.0]))


@pytest.mark.parametrize('b,nq,h,w,chunk,padded', [
    (1, 5, 2, 3, 2, False),
    (2, 7, 4, 5, 3, True),
    (2, 4, 3, 3, 16, True),
])
def test_fast_equals_reference_with_gradients(b, nq, h, w, chunk, padded):
    torch.manual_seed(0)
    ref_m = BoxRPBCrossAttention(16, 4, rpe_hidden_dim=8,
                                 attn_impl='reference')
    fast_m = BoxRPBCrossAttention(16, 4, rpe_hidden_dim=8, attn_impl='fast',
                                  chunk=chunk)
    fast_m.load_state_dict(ref_m.state_dict())
    assert list(fast_m.state_dict()) == list(ref_m.state_dict())
    query = torch.randn(b, nq, 16)
    key, value = torch.randn(b, h * w, 16), torch.randn(b, h * w, 16)
    boxes = torch.rand(b, nq, 4) * 0.5 + 0.25
    mask = None
    if padded:
        mask = torch.zeros(b, h, w, dtype=torch.bool)
        mask[-1, :, -1] = True
        mask = mask.flatten(1)
    results = []
    for m in (ref_m, fast_m):
        inputs = [t.clone().requires_grad_() for t in (query, key, value,
                                                       boxes)]
        out = m(*inputs[:3], inputs[3], (h, w), mask)
        (out * torch.linspace(-1, 1, out.numel()).view_as(out)).sum() \
            .backward()
        grads = [t.grad for t in inputs] + [p.grad for p in m.parameters()]
        results.append((out.detach(), grads))
    torch.testing.assert_close(results[1][0], results[0][0], atol=1e-5,
                               rtol=1e-5)
    for g_fast, g_ref in zip(results[1][1], results[0][1]):
        torch.testing.assert_close(g_fast, g_ref, atol=1e-5, rtol=1e-5)


def test_bad_settings_are_clear_errors():
    with pytest.raises(ValueError, match='attn_impl'):
        BoxRPBCrossAttention(8, 2, attn_impl='flash')
    with pytest.raises(ValueError, match='rpe_type'):
        BoxRPBCrossAttention(8, 2, rpe_type='box_norm')
    with pytest.raises(ValueError, match='num_heads'):
        BoxRPBCrossAttention(10, 4)
    m = BoxRPBCrossAttention(8, 2)
    with pytest.raises(ValueError, match='6 keys for a 2x2 map'):
        m(torch.randn(1, 1, 8), torch.randn(1, 6, 8), torch.randn(1, 6, 8),
          torch.rand(1, 1, 4), (2, 2))
