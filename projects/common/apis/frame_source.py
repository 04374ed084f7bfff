"""Where demo frames come from: a video file or a camera, behind one
interface so the video and webcam demos share the same frame loop."""
import os.path as osp
from typing import Iterator, Optional, Tuple

import cv2
import numpy as np


class FrameSourceError(IOError):
    """A video or camera cannot be opened or read."""


class FrameSource:
    """Iterate over BGR frames (``numpy.ndarray``, H x W x 3, uint8).

    Attributes:
        name (str): What the frames come from, for messages.
        fps (float): Frames per second reported by the source.
        size (tuple[int, int]): (width, height) of the frames.
        num_frames (int, optional): Frame count when known (files).
        limit (int, optional): Stop after this many frames.
    """

    name: str = ''
    fps: float = 25.0
    size: Tuple[int, int] = (0, 0)
    num_frames: Optional[int] = None
    limit: Optional[int] = None

    def __init__(self, capture: cv2.VideoCapture, name: str) -> None:
        self._capture = capture
        self.name = name
        fps = capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and fps > 0 else 25.0
        self.size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
                     int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))

    def __iter__(self) -> Iterator[np.ndarray]:
        count = 0
        while self.limit is None or count < self.limit:
            count += 1
            ok, frame = self._capture.read()
            if not ok:
                return
            yield frame

    def close(self) -> None:
        self._capture.release()

    def __enter__(self) -> 'FrameSource':
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class VideoFileSource(FrameSource):
    """Frames of a video file.

    Raises:
        FrameSourceError: When the file is missing, is not a video OpenCV can
            decode, or has no frame.
    """

    def __init__(self, path: str) -> None:
        if not osp.isfile(path):
            raise FrameSourceError(f'Video "{path}" does not exist.')
        capture = cv2.VideoCapture(path)
        if not capture.isOpened():
            raise FrameSourceError(
                f'Video "{path}" cannot be opened by OpenCV. Fix: convert it '
                'to H.264 mp4 (ffmpeg -i in -c:v libx264 out.mp4).')
        ok, first = capture.read()
        if not ok or first is None:
            capture.release()
            raise FrameSourceError(
                f'Video "{path}" has no decodable frame (truncated or not a '
                'video). Fix: re-encode or re-download the file.')
        capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
        super().__init__(capture, path)
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        self.num_frames = count if count > 0 else None


class CameraSource(FrameSource):
    """Frames of a camera (``cv2.VideoCapture(camera_id)``).

    Raises:
        FrameSourceError: When there is no such camera or it gives no frame.
    """

    def __init__(self, camera_id: int) -> None:
        capture = cv2.VideoCapture(camera_id)
        ok = capture.isOpened()
        if ok:
            ok, _ = capture.read()
        if not ok:
            capture.release()
            raise FrameSourceError(
                f'Camera {camera_id} cannot be opened (no device '
                f'/dev/video{camera_id}, busy, or no permission). Fix: pass '
                'the right --camera-id, or run demo/video_demo.py on a file.')
        super().__init__(capture, f'camera {camera_id}')
