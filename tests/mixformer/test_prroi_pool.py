"""Precise RoI pooling: the PyTorch closed form against direct numerical
integration of the bilinear interpolant, and against mmcv's compiled op
where that exists (CUDA only: mmcv 2.1 has no CPU kernel)."""
import numpy as np
import pytest
import torch

from projects.mixformer.prroi_pool import prroi_pool, prroi_pool_pytorch


def _bilinear(f, y, x):
    """Bilinear interpolation with zero outside, features at integers."""
    h, w = f.shape[-2:]
    out = torch.zeros(f.shape[0], dtype=f.dtype)
    for i in range(int(np.floor(y)), int(np.floor(y)) + 2):
        for j in range(int(np.floor(x)), int(np.floor(x)) + 2):
            if 0 <= i < h and 0 <= j < w:
                out += f[:, i, j] * max(0, 1 - abs(y - i)) * max(
                    0, 1 - abs(x - j))
    return out


def _numeric(f, roi, size, n=60):
    x1, y1, x2, y2 = roi
    out = torch.zeros(f.shape[0], size, size, dtype=f.dtype)
    for p in range(size):
        for q in range(size):
            ya, yb = y1 + p * (y2 - y1) / size, y1 + (p + 1) * (y2 - y1) / size
            xa, xb = x1 + q * (x2 - x1) / size, x1 + (q + 1) * (x2 - x1) / size
            ys = ya + (np.arange(n) + 0.5) * (yb - ya) / n
            xs = xa + (np.arange(n) + 0.5) * (xb - xa) / n
            out[:, p, q] = sum(_bilinear(f, y, x) for y in ys
                               for x in xs) / n**2
    return out


def test_matches_numerical_integration():
    torch.manual_seed(0)
    f = torch.randn(1, 2, 5, 6, dtype=torch.float64)
    # crosses the left border (zeros outside) and has fractional corners
    roi = [-0.7, 0.3, 4.9, 3.6]
    out = prroi_pool_pytorch(f, torch.tensor([[0.] + roi], dtype=f.dtype), 2)
    torch.testing.assert_close(out[0], _numeric(f[0], roi, 2), atol=5e-4,
                               rtol=0)


def test_exact_values_on_a_linear_map():
    """On f(y, x) = x the bilinear interpolant is x inside the map, so a bin
    [a, b] x [c, d] well inside averages to (a + b) / 2."""
    f = torch.arange(8, dtype=torch.float64).repeat(6, 1)[None, None]
    rois = torch.tensor([[0, 1.0, 1.0, 5.0, 3.0]], dtype=torch.float64)
    out = prroi_pool_pytorch(f, rois, (1, 2))
    torch.testing.assert_close(out[0, 0, 0], torch.tensor([2.0, 4.0],
                                                          dtype=f.dtype))


def test_zero_area_and_batch_index_and_gradient():
    f = torch.randn(2, 3, 4, 4, requires_grad=True)
    rois = torch.tensor([[1, 1.0, 1.0, 1.0, 3.0], [0, 0.5, 0.5, 2.5, 2.5]])
    out = prroi_pool(f, rois, 2)
    assert out.shape == (2, 3, 2, 2)
    assert (out[0] == 0).all()  # zero width: zero, as the official kernel
    out.sum().backward()
    assert f.grad[0].abs().sum() > 0 and f.grad[1].abs().sum() == 0


def test_against_mmcv_kernel():
    if not torch.cuda.is_available():
        pytest.skip('mmcv 2.1 implements PrRoIPool for CUDA only; no GPU '
                    'here')
    from mmcv.ops import prroi_pool as mmcv_prroi
    f = torch.randn(2, 8, 20, 20, device='cuda')
    rois = torch.tensor([[0, 1.3, 2.2, 15.7, 12.1], [1, -2.0, 3.0, 8.0, 21.5]],
                        device='cuda')
    torch.testing.assert_close(
        prroi_pool_pytorch(f, rois, 4),
        mmcv_prroi(f, rois, (4, 4), 1.0), atol=1e-4, rtol=1e-4)
