"""Multi-scale deformable attention that runs everywhere.

mmcv 2.1.0 calls its compiled CUDA kernel whenever CUDA is available and the
tensor is on a GPU, even when mmcv itself was built without CUDA ops (then
the call fails). :class:`AutoMultiScaleDeformableAttention` keeps mmcv's
module and parameter names and picks the compiled kernel only where it exists
for the tensor's device, the pure-PyTorch path (``grid_sample``) otherwise.
"""
import functools
import warnings
from typing import Optional

import torch
from mmcv.ops.multi_scale_deform_attn import (
    MultiScaleDeformableAttention, MultiScaleDeformableAttnFunction,
    multi_scale_deformable_attn_pytorch)
from torch import Tensor, nn

from mmdet.registry import MODELS
from projects.common.utils.mmcv_ext import mmcv_has_cuda_kernel


@functools.lru_cache(maxsize=None)
def kernel_available(device: torch.device) -> bool:
    """True when the compiled deformable-attention kernel serves ``device``."""
    return device.type == 'cuda' and mmcv_has_cuda_kernel()


def ms_deform_attn(value: Tensor, spatial_shapes: Tensor,
                   level_start_index: Tensor, sampling_locations: Tensor,
                   attention_weights: Tensor, im2col_step: int = 64,
                   use_kernel: Optional[bool] = None) -> Tensor:
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
        use_kernel (bool, optional): Force a path; by default the kernel is
            used where :func:`kernel_available`.

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
    return multi_scale_deformable_attn_pytorch(value, spatial_shapes,
                                               sampling_locations,
                                               attention_weights)


@MODELS.register_module()
class AutoMultiScaleDeformableAttention(MultiScaleDeformableAttention):
    """mmcv's ``MultiScaleDeformableAttention`` (Zhu et al., `Deformable
    DETR <https://arxiv.org/abs/2010.04159>`_) with a per-device choice
    between the compiled kernel and the PyTorch path.

    Same arguments, parameters, initialisation and checkpoint keys as the
    mmcv class; only the dispatch differs (:func:`ms_deform_attn`).
    """

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
                                locations, weights, self.im2col_step)
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
