"""Tracking a video with a :class:`MixFormer` model outside the runner
(the single-object-tracking demo)."""
import os.path as osp
import time
from typing import Callable, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.runner import load_checkpoint

from projects.common.apis import FrameOutput, FrameSource, LoopStats
from projects.common.utils.model_build import build_model_from_config


def parse_box(text: str):
    """``'x,y,w,h'`` -> four floats; a clear error for anything else."""
    from projects.common.utils import UserInputError
    try:
        box = [float(v) for v in text.split(',')]
    except ValueError:
        box = []
    if len(box) != 4 or box[2] <= 0 or box[3] <= 0:
        raise UserInputError(f'--init-bbox {text!r}: expected x,y,w,h with '
                             f'w and h > 0, e.g. --init-bbox 120,80,60,40')
    return box


def init_tracker(config: str, checkpoint: Optional[str],
                 device: str = 'cpu'):
    """Build the tracker of ``config`` and load ``checkpoint`` (None keeps
    the initialisation, e.g. to try the loop)."""
    # weights come from the checkpoint: no pretrained backbone
    model = build_model_from_config(config)
    if checkpoint is not None:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint {checkpoint} not found')
        load_checkpoint(model, checkpoint, map_location='cpu')
    else:
        model.init_weights()
    return model.to(device).eval()


def draw_track(frame: np.ndarray, box: Sequence[float],
               score: float) -> np.ndarray:
    """Draw an (x, y, w, h) box and its score on a BGR frame."""
    x, y, w, h = [int(round(v)) for v in box]
    out = frame.copy()
    cv2.rectangle(out, (x, y), (x + w, y + h), (0, 255, 0), 2)
    label = 'init' if score < 0 else f'score {score:.2f}'
    cv2.putText(out, label, (x, max(y - 6, 12)), cv2.FONT_HERSHEY_SIMPLEX,
                0.5, (0, 255, 0), 1, cv2.LINE_AA)
    return out


def track_video(model,
                source: FrameSource,
                init_bbox: Optional[Sequence[float]] = None,
                select_roi: Optional[Callable[[np.ndarray],
                                              Sequence[float]]] = None,
                out_file: Optional[str] = None,
                show: bool = False,
                progress: bool = True,
                on_frame: Optional[Callable] = None) -> LoopStats:
    """Track one target through ``source``.

    Args:
        model: A :class:`MixFormer` from :func:`init_tracker`.
        source (FrameSource): Video file or camera (BGR frames).
        init_bbox (Sequence[float], optional): (x, y, w, h) on frame 0.
        select_roi (callable, optional): Asked for the box on frame 0 when
            ``init_bbox`` is None.
        out_file (str, optional): Annotated output video (mp4v).
        show (bool): Show each frame; Esc or q stops.
        on_frame (callable, optional): Called with (index, box, score).

    Returns:
        LoopStats: frame count, end-to-end and model-only timings.
    """
    with FrameOutput(source, out_file, show, progress) as output:
        for index, frame in enumerate(source):
            rgb = np.ascontiguousarray(frame[..., ::-1])
            tic = time.perf_counter()
            with torch.no_grad():
                if index == 0:
                    box = init_bbox if init_bbox is not None else \
                        select_roi(frame)
                    box = np.asarray(box, float)
                    if box.shape != (4, ) or box[2] <= 0 or box[3] <= 0:
                        raise ValueError(f'initial box {box.tolist()} must '
                                         f'be x,y,w,h with w, h > 0')
                    model.init(rgb, box)
                    score = -1.0
                else:
                    out = model.track(rgb)
                    box, score = out['bbox'], out['score']
            output.stats.model_seconds += time.perf_counter() - tic
            if on_frame is not None:
                on_frame(index, box, score)
            if not output.put(draw_track(frame, box, score)):
                break
    return output.result()
