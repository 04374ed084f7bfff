"""Multi-scale deformable attention that runs everywhere, fast on CPU.

mmcv 2.1.0 calls its compiled CUDA kernel whenever CUDA is available and the
tensor is on a GPU, even when mmcv itself was built without CUDA ops (then
the call fails). :class:`AutoMultiScaleDeformableAttention` keeps mmcv's
module and parameter names and picks, per call (:func:`ms_deform_attn`):

* mmcv's compiled kernel where it exists for the tensor's device (CUDA);
* on CPU, this project's compiled operator
  (:func:`projects.common.ops.ms_deform_attn_cpu`, training and inference:
  about 5x faster than ``grid_sample`` forward + backward at the R-50
  encoder's size, without its intermediates);
* without either and without gradients, :func:`deform_attn_gather`: the
  bilinear corners and the attention weights folded into one weighted
  gather-sum (``F.embedding_bag``), about 2.5x faster than ``grid_sample``;
* otherwise mmcv's ``multi_scale_deformable_attn_pytorch`` (``grid_sample``
  per level), which is also the reference (``fast=False``) and what tracing
  (ONNX export) records.

All paths agree to float rounding (``tests/common/test_ops.py``,
``tests/common/test_bricks.py``).
"""
import functools
import warnings
from typing import Optional

import torch
import torch.nn.functional as F
from mmcv.ops.multi_scale_deform_attn import (
    MultiScaleDeformableAttention, MultiScaleDeformableAttnFunction,
    multi_scale_deformable_attn_pytorch)
from torch import Tensor, nn

from mmdet.registry import MODELS
from projects.common.ops import ms_deform_attn_cpu, ms_deform_attn_cpu_available
from projects.common.utils.mmcv_ext import mmcv_has_cuda_kernel


@functools.lru_cache(maxsize=None)
def kernel_available(device: torch.device) -> bool:
    """True when the compiled deformable-attention kernel serves ``device``."""
    return device.type == 'cuda' and mmcv_has_cuda_kernel()


def deform_attn_gather(value: Tensor, spatial_shapes: Tensor,
                       level_start_index: Tensor, sampling_locations: Tensor,
                       attention_weights: Tensor) -> Tensor:
    """Multi-scale deformable attention as one weighted gather-sum.

    Computes what ``multi_scale_deformable_attn_pytorch`` computes (bilinear
    sampling with zero padding, ``align_corners=False``, then the weighted
    sum over levels and points) without ``grid_sample``: every sample is
    four corner rows of ``value`` whose weights are the bilinear weights
    times the attention weight (zero for corners outside the map), and
    ``F.embedding_bag`` sums the ``levels x points x 4`` weighted rows of
    each (query, head).

    Args:
        value (Tensor): (bs, num_value, num_heads, head_dims).
        spatial_shapes (Tensor): (num_levels, 2), (h, w) per level.
        level_start_index (Tensor): (num_levels, ), start of each level.
        sampling_locations (Tensor): (bs, num_query, num_heads, num_levels,
            num_points, 2), normalised (x, y).
        attention_weights (Tensor): (bs, num_query, num_heads, num_levels,
            num_points).

    Returns:
        Tensor: (bs, num_query, num_heads * head_dims).
    """
    bs, num_value, num_heads, head_dims = value.shape
    num_query, num_levels = sampling_locations.shape[1:4:2]
    level_shape = (1, 1, 1, num_levels, 1)
    heights = spatial_shapes[:, 0].view(level_shape)
    widths = spatial_shapes[:, 1].view(level_shape)
    starts = level_start_index.view(level_shape)
    # pixel coordinates as grid_sample computes them (align_corners=False):
    # grid * size / 2 + (size - 1) / 2 as one multiply-add, grid = 2 loc - 1
    grid = 2 * sampling_locations - 1
    half = (spatial_shapes.flip(-1).to(grid.dtype) / 2).view(
        num_levels, 1, 2)  # (w / 2, h / 2) per level
    pixels = torch.addcmul((half - 0.5).expand_as(grid), grid,
                           half.expand_as(grid))
    corner = pixels.floor()
    frac = pixels - corner
    corner = corner.long()
    # (.., 2 y-corners, 2 x-corners): row-major corner order
    wx = torch.stack((1 - frac[..., 0], frac[..., 0]), -1)
    wy = torch.stack((1 - frac[..., 1], frac[..., 1]), -1)
    offsets = torch.arange(2, device=value.device)
    xs = corner[..., 0, None] + offsets  # (.., 2)
    ys = corner[..., 1, None] + offsets
    inside_x = (xs >= 0) & (xs < widths[..., None])
    inside_y = (ys >= 0) & (ys < heights[..., None])
    weights = (wy * inside_y)[..., :, None] * (wx * inside_x)[..., None, :]
    weights = weights * attention_weights[..., None, None]
    # row of (image b, head h, level l, y, x) in the (b, h)-major table
    rows = (ys.clamp(0) * widths[..., None])[..., :, None] + \
        xs.clamp(0)[..., None, :]
    rows = torch.minimum(rows, (heights * widths - 1)[..., None, None])
    table_offset = (torch.arange(bs, device=value.device)[:, None] *
                    num_heads + torch.arange(num_heads, device=value.device)
                    ) * num_value
    rows = rows + (table_offset[:, None, :, None, None] + starts)[..., None,
                                                                  None]
    table = value.permute(0, 2, 1, 3).reshape(-1, head_dims)
    if table.size(0) < 2**31:
        rows = rows.int()
    output = F.embedding_bag(
        rows.reshape(bs * num_query * num_heads, -1), table,
        per_sample_weights=weights.reshape(bs * num_query * num_heads, -1),
        mode='sum')
    return output.view(bs, num_query, num_heads * head_dims)


def ms_deform_attn(value: Tensor, spatial_shapes: Tensor,
                   level_start_index: Tensor, sampling_locations: Tensor,
                   attention_weights: Tensor, im2col_step: int = 64,
                   use_kernel: Optional[bool] = None,
                   fast: bool = True) -> Tensor:
    """Sample and aggregate ``value`` at the deformable locations.

    Args:
        value (Tensor): (bs, num_value, num_heads, head_dims).
        spatial_shapes (Tensor): (num_levels, 2), (h, w) per level.
        level_start_index (Tensor): (num_levels, ), start of each level.
        sampling_locations (Tensor): (bs, num_query, num_heads, num_levels,
            num_points, 2), normalised (x, y) in [0, 1].
        attention_weights (Tensor): (bs, num_query, num_heads, num_levels,
            num_points), summing to 1 over levels x points.
        im2col_step (int): Kernel batch step.
        use_kernel (bool, optional): Force mmcv's compiled kernel on or off;
            by default it is used where :func:`kernel_available`.
        fast (bool): Without mmcv's kernel, allow the compiled CPU operator
            and :func:`deform_attn_gather`; False always runs mmcv's
            ``grid_sample`` path (the reference). Defaults to True.

    Returns:
        Tensor: (bs, num_query, num_heads * head_dims).
    """
    if use_kernel is None:
        use_kernel = kernel_available(value.device)
        if not use_kernel and value.is_cuda:
            warnings.warn('mmcv was built without CUDA ops: deformable '
                          'attention runs its PyTorch path on the GPU '
                          '(slower). Rebuild mmcv with FORCE_CUDA=1 (README).')
    if use_kernel:
        return MultiScaleDeformableAttnFunction.apply(
            value, spatial_shapes, level_start_index, sampling_locations,
            attention_weights, im2col_step)
    tracing = torch.jit.is_tracing() or torch.onnx.is_in_onnx_export()
    if fast and not tracing and value.device.type == 'cpu' and \
            value.dtype in (torch.float32, torch.float64) and \
            ms_deform_attn_cpu_available():
        return ms_deform_attn_cpu(value, spatial_shapes, level_start_index,
                                  sampling_locations, attention_weights)
    if not fast or torch.is_grad_enabled() and (
            value.requires_grad or sampling_locations.requires_grad
            or attention_weights.requires_grad):
        return multi_scale_deformable_attn_pytorch(value, spatial_shapes,
                                                   sampling_locations,
                                                   attention_weights)
    return deform_attn_gather(value, spatial_shapes, level_start_index,
                              sampling_locations, attention_weights)


@MODELS.register_module()
class AutoMultiScaleDeformableAttention(MultiScaleDeformableAttention):
    """mmcv's ``MultiScaleDeformableAttention`` (Zhu et al., `Deformable
    DETR <https://arxiv.org/abs/2010.04159>`_) with a per-device choice
    between the compiled kernel and the PyTorch path.

    Same arguments, parameters, initialisation and checkpoint keys as the
    mmcv class; only the dispatch differs (:func:`ms_deform_attn`). Set the
    attribute ``fast = False`` on a module (or the class,
    :func:`set_msda_fast`) to run mmcv's ``grid_sample`` path everywhere
    without mmcv's kernel (benchmarks' reference, equality checks).
    """

    fast = True

    def forward(self,
                query: Tensor,
                key: Optional[Tensor] = None,
                value: Optional[Tensor] = None,
                identity: Optional[Tensor] = None,
                query_pos: Optional[Tensor] = None,
                key_padding_mask: Optional[Tensor] = None,
                reference_points: Optional[Tensor] = None,
                spatial_shapes: Optional[Tensor] = None,
                level_start_index: Optional[Tensor] = None,
                **kwargs) -> Tensor:
        """See :meth:`mmcv.ops.MultiScaleDeformableAttention.forward`;
        ``reference_points`` are (bs, num_query, num_levels, 2 or 4)."""
        if value is None:
            value = query
        if identity is None:
            identity = query
        if query_pos is not None:
            query = query + query_pos
        if not self.batch_first:
            query, value = query.transpose(0, 1), value.transpose(0, 1)
        bs, num_query, _ = query.shape
        num_value = value.shape[1]
        if int((spatial_shapes[:, 0] * spatial_shapes[:, 1]).sum()) != \
                num_value:
            raise ValueError('spatial_shapes do not add up to the number of '
                             f'values ({num_value})')

        value = self.value_proj(value)
        if key_padding_mask is not None:
            value = value.masked_fill(key_padding_mask[..., None], 0.0)
        value = value.view(bs, num_value, self.num_heads, -1)
        offsets = self.sampling_offsets(query).view(
            bs, num_query, self.num_heads, self.num_levels, self.num_points, 2)
        weights = self.attention_weights(query).view(
            bs, num_query, self.num_heads, self.num_levels * self.num_points)
        weights = weights.softmax(-1).view(bs, num_query, self.num_heads,
                                           self.num_levels, self.num_points)
        if reference_points.shape[-1] == 2:
            # offsets are in pixels of each level: normalise by (w, h)
            normalizer = torch.stack(
                [spatial_shapes[..., 1], spatial_shapes[..., 0]], -1)
            locations = reference_points[:, :, None, :, None, :] + \
                offsets / normalizer[None, None, None, :, None, :]
        elif reference_points.shape[-1] == 4:
            # offsets are relative to half the reference box size per point
            locations = reference_points[:, :, None, :, None, :2] + \
                offsets / self.num_points * \
                reference_points[:, :, None, :, None, 2:] * 0.5
        else:
            raise ValueError('reference_points must end in 2 or 4 values, '
                             f'got {reference_points.shape[-1]}')
        output = ms_deform_attn(value, spatial_shapes, level_start_index,
                                locations, weights, self.im2col_step,
                                fast=self.fast)
        output = self.output_proj(output)
        if not self.batch_first:
            output = output.transpose(0, 1)
        return self.dropout(output) + identity


def use_auto_msda(module: nn.Module) -> nn.Module:
    """Make every mmcv ``MultiScaleDeformableAttention`` inside ``module`` an
    :class:`AutoMultiScaleDeformableAttention`, in place.

    The subclass adds no parameter or buffer, so switching the class of the
    existing modules keeps their weights and names; mmdet's DETR layers build
    the mmcv class directly, this adapts them without building twice.
    """
    for child in module.modules():
        if type(child) is MultiScaleDeformableAttention:
            child.__class__ = AutoMultiScaleDeformableAttention
    return module


def set_msda_fast(module: nn.Module, enabled: bool) -> nn.Module:
    """Set whether every :class:`AutoMultiScaleDeformableAttention` inside
    ``module`` may take the fast paths of :func:`ms_deform_attn` (True, the
    default) or runs mmcv's ``grid_sample`` path (False: the reference, for
    benchmarks and equality checks)."""
    for child in module.modules():
        if isinstance(child, AutoMultiScaleDeformableAttention):
            child.fast = enabled
    return module
