"""Sinusoidal encoding of scalar values (box coordinates, pairwise box
geometry, positions)."""
import torch
from torch import Tensor


def sine_encoding(values: Tensor, num_feats: int, temperature: float,
                  scale: float) -> Tensor:
    """Sinusoidal encoding of each value along the last dim.

    Every value gets ``num_feats`` channels: ``num_feats // 2`` frequencies
    ``temperature ** (2t / num_feats)``, each as (sin, cos) side by side.

    Args:
        values (Tensor): (..., k).

    Returns:
        Tensor: (..., k * num_feats).
    """
    t = torch.arange(num_feats // 2, dtype=torch.float32, device=values.device)
    freqs = temperature**(2 * t / num_feats)
    angles = values[..., None] * scale / freqs
    return torch.stack((angles.sin(), angles.cos()), -1).flatten(-3)
