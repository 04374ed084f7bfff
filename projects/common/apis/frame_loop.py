"""The frame loop shared by the video and webcam demos."""
import time
from dataclasses import dataclass
from typing import Callable, Optional

import cv2
import mmcv
import numpy as np
from mmengine.utils import ProgressBar

from mmdet.apis import inference_detector
from mmdet.registry import VISUALIZERS
from .frame_source import FrameSource, FrameSourceError
from .inference import inference_pipeline


@dataclass
class LoopStats:
    """What the loop measured."""
    frames: int = 0
    seconds: float = 0.0  # wall time of the whole loop
    model_seconds: float = 0.0  # time spent in inference only

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds else 0.0

    @property
    def model_fps(self) -> float:
        return self.frames / self.model_seconds if self.model_seconds else 0.0

    def summary(self) -> str:
        return (f'{self.frames} frames in {self.seconds:.1f} s: '
                f'{self.fps:.2f} fps end to end, {self.model_fps:.2f} fps '
                'for the model alone')


class FrameOutput:
    """Where a demo loop's drawn frames go: a video file (mp4v), a window,
    a progress bar; it also times the loop.

    Use as a context manager; :meth:`put` returns False when the user
    pressed Esc or q in the window.
    """

    def __init__(self, source: FrameSource, out_file: Optional[str] = None,
                 show: bool = False, progress: bool = True,
                 wait_time: float = 1) -> None:
        self.source = source
        self.show = show
        self.wait_time = wait_time
        self.stats = LoopStats()
        self.writer = None
        if out_file:
            self.writer = cv2.VideoWriter(
                out_file, cv2.VideoWriter_fourcc(*'mp4v'), source.fps,
                source.size)
            if not self.writer.isOpened():
                raise FrameSourceError(f'Cannot write video "{out_file}" '
                                       '(folder missing or codec '
                                       'unavailable).')
        self.bar = ProgressBar(source.num_frames) if (
            progress and source.num_frames) else None

    def __enter__(self) -> 'FrameOutput':
        self._start = time.perf_counter()
        return self

    def put(self, drawn: np.ndarray) -> bool:
        if self.writer is not None:
            self.writer.write(drawn)
        self.stats.frames += 1
        if self.bar is not None:
            self.bar.update()
        if self.show:
            cv2.imshow(self.source.name, drawn)
            key = cv2.waitKey(max(int(self.wait_time), 1)) & 0xFF
            return key not in (27, ord('q'))
        return True

    def __exit__(self, *exc) -> None:
        self.stats.seconds = time.perf_counter() - self._start
        if self.writer is not None:
            self.writer.release()
        if self.show:
            cv2.destroyAllWindows()
        if self.bar is not None:
            print()

    def result(self) -> LoopStats:
        """The stats; raises when the source gave no frame."""
        if self.stats.frames == 0:
            raise FrameSourceError(f'{self.source.name} gave no frame.')
        return self.stats


def run_frame_loop(model,
                   source: FrameSource,
                   score_thr: float = 0.3,
                   out_file: Optional[str] = None,
                   show: bool = False,
                   wait_time: float = 1,
                   progress: bool = True,
                   on_frame: Optional[Callable[[int, np.ndarray],
                                               None]] = None) -> LoopStats:
    """Detect objects on every frame of ``source`` and draw them.

    Args:
        model: A detector from :func:`mmdet.apis.init_detector`.
        source (FrameSource): Video file or camera.
        score_thr (float): Draw boxes scoring at least this.
        out_file (str, optional): Write the annotated frames to this video
            (mp4v).
        show (bool): Show each frame in a window; Esc or q stops.
        wait_time (float): Milliseconds to wait per shown frame.
        progress (bool): Draw a progress bar (files with a known length).
        on_frame (callable, optional): Called with (index, drawn BGR frame).

    Returns:
        LoopStats: Frame count and timings.
    """
    pipeline = inference_pipeline(model, from_array=True)
    visualizer = VISUALIZERS.build(model.cfg.visualizer)
    visualizer.dataset_meta = model.dataset_meta
    with FrameOutput(source, out_file, show, progress, wait_time) as output:
        for index, frame in enumerate(source):
            tic = time.perf_counter()
            result = inference_detector(model, frame, test_pipeline=pipeline)
            output.stats.model_seconds += time.perf_counter() - tic
            visualizer.add_datasample(
                name='frame',
                image=mmcv.bgr2rgb(frame),
                data_sample=result,
                draw_gt=False,
                show=False,
                pred_score_thr=score_thr)
            drawn = mmcv.rgb2bgr(visualizer.get_image())
            if on_frame is not None:
                on_frame(index, drawn)
            if not output.put(drawn):
                break
    return output.result()
