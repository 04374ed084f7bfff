"""Writing files so that a failure never leaves a partial one behind.

The content goes to a hidden temporary file in the destination folder,
which is renamed over the destination only once it is complete
(``os.replace`` is atomic on one file system). Whatever happens, the
temporary file is removed: no ``.tmp`` is left after an error.
"""
import os
import os.path as osp
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """Yield a temporary path to write; rename it to ``path`` on success.

    The temporary name keeps the extension of ``path`` (so writers that
    choose the format by extension, such as ``cv2.imwrite``, work) and
    starts with a dot (image listings skip it).

    Args:
        path (str): The destination file.

    Yields:
        str: The temporary file to write.
    """
    path = osp.abspath(path)
    folder, name = osp.split(path)
    os.makedirs(folder, exist_ok=True)
    ext = osp.splitext(name)[1]
    tmp = osp.join(folder, f'.{name}.{os.getpid()}.tmp{ext}')
    try:
        yield tmp
        if not osp.isfile(tmp):
            raise OSError(f'{tmp}: nothing was written for {path}')
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def write_text_atomic(path: str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write(text)


def save_checkpoint_atomic(obj, path: str) -> None:
    """``torch.save(obj)`` to ``path`` atomically."""
    import torch
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)
