"""Matplotlib helpers shared by the probes (Agg canvas, no window, no
global backend switch)."""
import os.path as osp
from typing import Optional, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from projects.common.utils.atomic_write import atomic_path


def new_figure(ncols: int = 1, nrows: int = 1, size: float = 4.0):
    """A figure of ``nrows x ncols`` axes (always a 2-D array)."""
    fig = Figure(figsize=(size * ncols, size * nrows), layout='constrained')
    FigureCanvasAgg(fig)
    axes = np.atleast_2d(fig.subplots(nrows, ncols, squeeze=False))
    return fig, axes


def save(fig: Figure, out_dir: str, name: str) -> str:
    """Write ``fig`` as ``out_dir/name`` (PNG, atomically); returns the
    path."""
    path = osp.join(out_dir, name)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100, format='png')
    return path


def show_image(ax, image: np.ndarray, title: Optional[str] = None) -> None:
    """An RGB image in pixel coordinates (origin top left), no ticks."""
    ax.imshow(image)
    ax.set_xlim(0, image.shape[1])
    ax.set_ylim(image.shape[0], 0)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)


def draw_box(ax, bbox: Sequence[float], color: str = 'lime',
             label: Optional[str] = None) -> None:
    """An (x1, y1, x2, y2) box with an optional label above it."""
    x1, y1, x2, y2 = [float(v) for v in bbox]
    ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False,
                           edgecolor=color, linewidth=1.5))
    if label:
        ax.text(x1, y1, label, color='black', fontsize=7, va='bottom',
                bbox=dict(facecolor=color, alpha=0.8, pad=1, linewidth=0))


def overlay(ax, heat: np.ndarray, extent: Sequence[float],
            cmap: str = 'jet', alpha: float = 0.5, vmin=None, vmax=None):
    """A (h, w) map stretched over ``extent`` = (x0, x1, y1, y0) pixels
    (as ``imshow`` takes it), bilinear; returns the image for a
    colour bar."""
    limits = ax.get_xlim(), ax.get_ylim()
    image = ax.imshow(heat, extent=extent, cmap=cmap, alpha=alpha,
                      interpolation='bilinear', vmin=vmin, vmax=vmax)
    ax.set_xlim(*limits[0])  # keep the view on the image under it
    ax.set_ylim(*limits[1])
    return image


def class_name(model, label: int) -> str:
    """The dataset class name of ``label`` (the index when unknown)."""
    classes = (getattr(model, 'dataset_meta', None) or {}).get('classes')
    if classes and 0 <= label < len(classes):
        return str(classes[label])
    return str(label)
