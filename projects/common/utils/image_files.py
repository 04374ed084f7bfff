"""The image file types this project reads, and listing them in a folder.

One list for every reader (SOT frame folders, the ExDark converter, the
image demo): the formats OpenCV decodes that datasets ship.
"""
import os
import os.path as osp
from typing import List

#: lower-case extensions of the image files that are read
IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def is_image_file(name: str) -> bool:
    """Whether ``name`` has an image extension (any case) and is not a
    hidden file (e.g. a temporary file being written)."""
    base = osp.basename(name)
    return base.lower().endswith(IMG_EXTENSIONS) and not base.startswith('.')


def _natural_key(name: str):
    stem = osp.splitext(name)[0]
    return (0, int(stem), name) if stem.isdigit() else (1, 0, name)


def list_images(folder: str) -> List[str]:
    """Image files of ``folder`` (absolute paths): numerically sorted when
    every file name is an integer (``0.jpg, 1.jpg, ..., 10.jpg``), otherwise
    sorted by name."""
    names = [n for n in os.listdir(folder) if is_image_file(n)]
    names.sort(key=_natural_key)
    return [osp.abspath(osp.join(folder, n)) for n in names]
