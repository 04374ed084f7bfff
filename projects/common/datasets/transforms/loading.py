"""Image loading that detects corrupt and truncated files."""
from typing import Optional

import mmcv
import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmengine import fileio
from mmengine.logging import print_log

from mmdet.registry import TRANSFORMS


class CorruptImageError(IOError):
    """An image file cannot be decoded or is cut short."""


def check_image_bytes(img_bytes: bytes, filename: str) -> None:
    """Raise :class:`CorruptImageError` for a file that is obviously cut.

    OpenCV decodes a truncated JPEG into a half-grey image with only a warning
    on stderr, so the end marker is checked first: JPEG files end with the EOI
    marker ``FF D9`` and PNG files with the ``IEND`` chunk.
    """
    if not img_bytes:
        raise CorruptImageError(f'{filename}: the file is empty')
    if img_bytes[:3] == b'\xff\xd8\xff':
        if b'\xff\xd9' not in img_bytes[-4096:]:
            raise CorruptImageError(
                f'{filename}: JPEG data is truncated (no end-of-image marker)')
    elif img_bytes[:8] == b'\x89PNG\r\n\x1a\n':
        if b'IEND' not in img_bytes[-4096:]:
            raise CorruptImageError(
                f'{filename}: PNG data is truncated (no IEND chunk)')


@TRANSFORMS.register_module()
class SafeLoadImageFromFile(LoadImageFromFile):
    """:class:`mmcv.transforms.LoadImageFromFile` that checks files.

    With ``skip_bad=True`` (training) a corrupt, truncated or unreadable
    image is skipped: a warning with the file and the running count of
    skipped images is logged and ``None`` is returned, which makes the
    dataset draw another sample. With ``skip_bad=False`` (testing, where a
    skipped image would silently change the metric) it raises
    :class:`CorruptImageError` naming the file.

    Args:
        skip_bad (bool): Skip bad images instead of raising. Defaults to
            False.
        **kwargs: Passed to ``LoadImageFromFile``.
    """

    #: Images skipped by this process so far (one count per dataloader
    #: worker).
    skipped = 0

    def __init__(self, skip_bad: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.skip_bad = skip_bad

    def _read(self, filename: str) -> np.ndarray:
        try:
            img_bytes = fileio.get(filename, backend_args=self.backend_args)
        except Exception as exc:  # noqa: BLE001 - any backend failure
            raise CorruptImageError(f'{filename}: cannot read ({exc})') from exc
        check_image_bytes(img_bytes, filename)
        try:
            img = mmcv.imfrombytes(
                img_bytes, flag=self.color_type,
                backend=self.imdecode_backend)
        except Exception as exc:  # noqa: BLE001 - decoder errors vary
            raise CorruptImageError(
                f'{filename}: cannot decode ({exc})') from exc
        if img is None:
            raise CorruptImageError(f'{filename}: not a decodable image')
        return img

    def transform(self, results: dict) -> Optional[dict]:
        filename = results['img_path']
        try:
            img = self._read(filename)
        except CorruptImageError as exc:
            if not self.skip_bad:
                raise CorruptImageError(
                    f'{exc}. Fix: replace the file, or remove image '
                    f'"{filename}" from the annotation file.') from None
            SafeLoadImageFromFile.skipped += 1
            print_log(
                f'Skipping bad training image ({exc}); '
                f'{SafeLoadImageFromFile.skipped} skipped so far in this '
                'process.', logger='current', level=30)
            return None
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results
