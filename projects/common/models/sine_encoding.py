"""Sinusoidal encoding of scalar values (box coordinates, pairwise box
geometry, positions)."""
import torch
from torch import Tensor


def sine_frequencies(num_feats: int, temperature: float,
                     device=None) -> Tensor:
    """The ``num_feats // 2`` divisors ``temperature ** (2t / num_feats)``
    of :func:`sine_encoding` (float32)."""
    t = torch.arange(num_feats // 2, dtype=torch.float32, device=device)
    return temperature**(2 * t / num_feats)


def sine_encoding(values: Tensor, num_feats: int, temperature: float,
                  scale: float) -> Tensor:
    """Sinusoidal encoding of each value along the last dim.

    Every value gets ``num_feats`` channels: ``num_feats // 2`` angles
    ``value * scale / temperature ** (2t / num_feats)``, each as (sin, cos)
    side by side.

    Args:
        values (Tensor): (..., k).

    Returns:
        Tensor: (..., k * num_feats).
    """
    angles = values[..., None] * scale / sine_frequencies(
        num_feats, temperature, values.device)
    if torch.jit.is_tracing():
        # an exported graph (ONNX) loses writes into views of a fresh
        # tensor; the same values, built without them
        return torch.stack((angles.sin(), angles.cos()), -1).flatten(-3)
    out = angles.new_empty(*angles.shape, 2)
    torch.sin(angles, out=out[..., 0])
    torch.cos(angles, out=out[..., 1])
    return out.flatten(-3)
