"""The grid position table of OAT (Fang et al., "Object-Level Attention
Transformer for Gaze Scanpath Prediction", ECCV 2024, Sec. 3.3).

One row per grid index (0 .. size-1). The rows are fitted offline so that
the cosine similarity of rows i and j is a Gaussian of |i - j|, while all
rows keep about the same norm. The objective, as in the official
``positionalEncodingLearned.py``:

    [ sum_ij (cos(P_i, P_j) - exp(-(i-j)^2 / (2 sigma^2)))^2
      + mean_i (|P_i| - mean_k |P_k|)^2 ] / (size (size - 1))

with P initialised from N(0, 1), Adam (lr 0.01), 10 000 full-batch steps and
sigma 2. Here the sum is one matrix product instead of a double loop, and the
initial values come from a seeded generator, so the same arguments give the
same table on any machine. The fit runs in float64 numpy with the gradient
written out (:func:`table_gradient`; 10 000 steps take about a second
instead of several with autograd); :func:`table_loss` is the autograd
reference that the tests compare it with.
"""
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F

# 86 = 2 * ceil(256 / 6): the width of the official 3-D sine alternative,
# kept for the learned table so that 3 rows concatenated cover 256 dims.
DEFAULT_DIMS = 86


def gaussian_profile(size: int, sigma: float) -> torch.Tensor:
    """The target similarity matrix exp(-(i-j)^2 / (2 sigma^2))."""
    idx = torch.arange(size, dtype=torch.float64)
    diff = idx[:, None] - idx[None, :]
    return torch.exp(-diff**2 / (2 * sigma**2))


def table_loss(table: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The fitting objective of the module docstring."""
    size = table.shape[0]
    unit = F.normalize(table, p=2, dim=1)
    sim_err = ((unit @ unit.t() - target)**2).sum()
    norms = table.norm(p=2, dim=1)
    norm_err = ((norms - norms.mean())**2).mean()
    return (sim_err + norm_err) / (size * (size - 1))


def table_gradient(table: np.ndarray, target: np.ndarray):
    """The objective of :func:`table_loss` and its gradient, in numpy.

    With U the unit rows, S = U U^T and n the row norms: the similarity
    term gives dL/dU = 4 (S - G) U / c (S - G is symmetric), the norm term
    dL/dn_i = 2 (n_i - mean n) / (size c), c = size (size - 1); through
    U_i = P_i / n_i, dL/dP_i = (dL/dU_i - (dL/dU_i . U_i) U_i) / n_i +
    dL/dn_i U_i.
    """
    size = table.shape[0]
    c = size * (size - 1)
    norms = np.linalg.norm(table, axis=1, keepdims=True)
    unit = table / np.maximum(norms, 1e-12)
    diff = unit @ unit.T - target
    dev = norms - norms.mean()
    loss = ((diff**2).sum() + (dev**2).mean()) / c
    g_unit = 4 * diff @ unit / c
    radial = (g_unit * unit).sum(1, keepdims=True)
    grad = (g_unit - radial * unit) / np.maximum(norms, 1e-12) + \
        2 * dev / (size * c) * unit
    return loss, grad


def fit_positional_table(size: int,
                         dims: int = DEFAULT_DIMS,
                         sigma: float = 2.0,
                         steps: int = 10000,
                         lr: float = 0.01,
                         seed: int = 0,
                         init: Optional[np.ndarray] = None) -> np.ndarray:
    """Fit a ``size x dims`` table (float32) as OAT does.

    Args:
        size (int): number of grid indices; OAT uses max(rows, cols) of the
            layout (14 for the 6 x 14 Amazon covers). At least 2.
        dims (int): row width. Defaults to 86.
        sigma (float): width of the Gaussian similarity profile (2 in OAT).
        steps (int): full-batch Adam steps (10 000 in OAT).
        lr (float): Adam learning rate (0.01 in OAT).
        seed (int): seed of the N(0, 1) initial table.
        init (np.ndarray, optional): a start table instead of the random one.
    """
    if size < 2:
        raise ValueError(f'fit_positional_table: size must be >= 2 (the '
                         f'objective divides by size * (size - 1)), got '
                         f'{size}')
    if init is None:
        gen = torch.Generator().manual_seed(seed)
        table = torch.randn(size, dims, generator=gen).double().numpy()
    else:
        table = np.array(init, dtype=np.float64)
    target = gaussian_profile(size, sigma).numpy()
    # Adam as torch.optim.Adam (betas 0.9 / 0.999, eps 1e-8)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    m = np.zeros_like(table)
    v = np.zeros_like(table)
    for t in range(1, steps + 1):
        _, grad = table_gradient(table, target)
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad * grad
        denom = np.sqrt(v) / np.sqrt(1 - beta2**t) + eps
        table = table - lr / (1 - beta1**t) * m / denom
    return table.astype(np.float32)


def similarity_matrix(table: np.ndarray) -> np.ndarray:
    """Cosine similarity of every pair of rows."""
    unit = table / np.linalg.norm(table, axis=1, keepdims=True)
    return unit @ unit.T
