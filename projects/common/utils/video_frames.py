"""Decoding a video into numbered PNG frames, once (for datasets whose
annotations index the frames of a video file, such as the toy video)."""
import os
import os.path as osp
from typing import List

from .atomic_write import atomic_path


def extract_frames(video_path: str, frames_dir: str, expected: int,
                   regenerate_hint: str = '') -> List[str]:
    """Decode ``video_path`` into ``frames_dir/%05d.png``.

    A folder that already holds all ``expected`` frames is reused without
    decoding. Each frame is written atomically, so an interrupted run leaves
    only complete frames.

    Args:
        video_path (str): The video file.
        frames_dir (str): Output folder (created).
        expected (int): Number of frames the annotation has.
        regenerate_hint (str): What to do when the counts differ.

    Returns:
        list[str]: Absolute paths of the ``expected`` frames.

    Raises:
        FileNotFoundError, OSError, ValueError: naming the file and the fix.
    """
    paths = [osp.join(frames_dir, f'{i:05d}.png') for i in range(expected)]
    if all(osp.isfile(p) for p in paths):
        return [osp.abspath(p) for p in paths]
    import cv2
    if not osp.isfile(video_path):
        raise FileNotFoundError(f'{video_path}: missing video file'
                                + (f'; {regenerate_hint}'
                                   if regenerate_hint else ''))
    try:
        os.makedirs(frames_dir, exist_ok=True)
    except OSError as error:
        raise OSError(
            f'{frames_dir}: cannot create the frame folder ({error}); pass '
            'frames_dir= a writable folder') from None
    capture = cv2.VideoCapture(video_path)
    count = 0
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            if count < expected:
                with atomic_path(paths[count]) as tmp:
                    if not cv2.imwrite(tmp, frame):
                        raise OSError(f'{paths[count]}: cannot write the '
                                      'frame; pass frames_dir= a writable '
                                      'folder')
            count += 1
    finally:
        capture.release()
    if count != expected:
        raise ValueError(
            f'{video_path}: {count} decoded frames but the annotation has '
            f'{expected} frames'
            + (f'; {regenerate_hint}' if regenerate_hint else ''))
    return [osp.abspath(p) for p in paths]
