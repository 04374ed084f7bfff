"""Precise RoI pooling (Jiang et al., "Acquisition of Localization
Confidence for Accurate Object Detection", ECCV 2018).

Each output bin is the exact integral of the bilinearly interpolated
feature map over the bin, divided by the bin area; features sit at integer
coordinates and are 0 outside the map; a bin of zero area gives 0. mmcv's
compiled ``PrRoIPool`` is used where it runs for the tensor's device; the
pure-PyTorch path computes the same closed form everywhere else.

Closed form: the bilinear interpolant is a sum of separable "hat" basis
functions ``f[i, j] * hat(y - i) * hat(x - j)`` with
``hat(t) = max(0, 1 - |t|)``, so the integral over ``[y1, y2] x [x1, x2]``
is ``sum_ij f[i, j] * A(i) * B(j)`` with ``A(i)`` the integral of
``hat(y - i)`` over ``[y1, y2]`` (and ``B`` likewise): a product of two
small matrices with the feature map.
"""
import functools

import torch
from torch import Tensor


def _hat_integral(lo: Tensor, hi: Tensor, size: int) -> Tensor:
    """Integral of hat(t - i) over [lo, hi] for every grid index i.

    Args:
        lo, hi (Tensor): (..., ) interval ends, lo <= hi.
        size (int): Number of grid points.

    Returns:
        Tensor: (..., size).
    """
    idx = torch.arange(size, dtype=lo.dtype, device=lo.device)
    a = (lo.unsqueeze(-1) - idx).clamp(-1, 1)
    b = (hi.unsqueeze(-1) - idx).clamp(-1, 1)

    def primitive(t):  # integral of hat from -1 to t, t in [-1, 1]
        return torch.where(t < 0, 0.5 * (t + 1)**2, 1 - 0.5 * (1 - t)**2)

    return primitive(b) - primitive(a)


def prroi_pool_pytorch(features: Tensor, rois: Tensor, output_size,
                       spatial_scale: float = 1.0) -> Tensor:
    """Precise RoI pooling in PyTorch (differentiable in the features).

    Args:
        features (Tensor): (N, C, H, W).
        rois (Tensor): (K, 5) rows ``[batch_index, x1, y1, x2, y2]``.
        output_size (int | tuple): (ph, pw).
        spatial_scale (float): Scale from RoI to feature coordinates.

    Returns:
        Tensor: (K, C, ph, pw).
    """
    ph, pw = (output_size, output_size) if isinstance(output_size, int) \
        else output_size
    _, _, h, w = features.shape
    rois = rois.to(features.dtype)
    x1, y1, x2, y2 = (rois[:, i] * spatial_scale for i in range(1, 5))
    bw = ((x2 - x1) / pw).clamp(min=0)
    bh = ((y2 - y1) / ph).clamp(min=0)
    steps_w = torch.arange(pw, dtype=rois.dtype, device=rois.device)
    steps_h = torch.arange(ph, dtype=rois.dtype, device=rois.device)
    xs = x1[:, None] + steps_w * bw[:, None]  # (K, pw) bin starts
    ys = y1[:, None] + steps_h * bh[:, None]
    wx = _hat_integral(xs, xs + bw[:, None], w)  # (K, pw, W)
    wy = _hat_integral(ys, ys + bh[:, None], h)  # (K, ph, H)
    feats = features[rois[:, 0].long()]  # (K, C, H, W)
    out = torch.einsum('kph,kchw,kqw->kcpq', wy, feats, wx)
    area = (bw * bh)[:, None, None, None]
    return torch.where(area > 0, out / area.clamp(min=1e-12),
                       torch.zeros_like(out))


@functools.lru_cache(maxsize=None)
def _mmcv_prroi():
    try:
        from mmcv.ops import prroi_pool
        from projects.common.utils.mmcv_ext import mmcv_has_cuda_kernel
        return prroi_pool if mmcv_has_cuda_kernel() else None
    except Exception:  # noqa: BLE001 - no compiled op
        return None


def prroi_pool(features: Tensor, rois: Tensor, output_size,
               spatial_scale: float = 1.0, use_kernel=None) -> Tensor:
    """Precise RoI pooling: mmcv's kernel on CUDA tensors when mmcv has its
    CUDA ops, :func:`prroi_pool_pytorch` otherwise (or when ``use_kernel``
    is False)."""
    op = _mmcv_prroi()
    if use_kernel is None:
        use_kernel = op is not None and features.is_cuda
    if use_kernel:
        if op is None:
            raise RuntimeError('prroi_pool: mmcv was built without its '
                               'CUDA ops; use the PyTorch path.')
        size = (output_size, output_size) if isinstance(output_size, int) \
            else tuple(output_size)
        return op(features, rois.to(features.dtype), size, spatial_scale)
    return prroi_pool_pytorch(features, rois, output_size, spatial_scale)
