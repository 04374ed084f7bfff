"""Detect, then track: a detector of this project picks the target, the
MixFormer tracker follows it, and the detector re-acquires it near its last
position when the tracker's score stays low."""
import time
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

import cv2
import numpy as np
import torch
from mmdet.apis import inference_detector

from projects.common.apis import FrameOutput, FrameSource, LoopStats
from projects.common.apis.inference import inference_pipeline


@dataclass
class DetectTrackConfig:
    """When the detector is asked, and what it may answer.

    Attributes:
        target_class (int, optional): class index of the target; ``None``
            takes any class.
        score_thr (float): lowest detection score accepted.
        lost_score (float): tracker score below which a frame counts as
            low.
        lost_frames (int): low frames in a row before the detector is asked
            to re-acquire the target.
        search_radius (float): re-acquisition accepts detections whose
            centre lies within this many target sizes (max(w, h)) of the
            last box's centre.
    """
    target_class: Optional[int] = None
    score_thr: float = 0.3
    lost_score: float = 0.3
    lost_frames: int = 5
    search_radius: float = 2.0


@dataclass
class DetectTrackResult:
    stats: LoopStats
    frames: List[dict] = field(default_factory=list)
    detector_calls: int = 0
    reacquired: int = 0


def pick_detection(result, cfg: DetectTrackConfig,
                   near: Optional[Sequence[float]] = None
                   ) -> Optional[tuple]:
    """The best detection of the target class (near the (x, y, w, h) box
    ``near`` if given) as ((x, y, w, h), score, label), or None."""
    inst = result.pred_instances
    boxes = inst.bboxes.cpu().numpy().reshape(-1, 4)
    scores = inst.scores.cpu().numpy()
    labels = inst.labels.cpu().numpy()
    keep = scores >= cfg.score_thr
    if cfg.target_class is not None:
        keep &= labels == cfg.target_class
    if near is not None:
        x, y, w, h = near
        centres = (boxes[:, :2] + boxes[:, 2:]) / 2
        dist = np.linalg.norm(centres - [x + w / 2, y + h / 2], axis=1)
        keep &= dist <= cfg.search_radius * max(w, h)
    if not keep.any():
        return None
    i = int(np.flatnonzero(keep)[np.argmax(scores[keep])])
    x1, y1, x2, y2 = boxes[i]
    return (np.array([x1, y1, x2 - x1, y2 - y1]), float(scores[i]),
            int(labels[i]))


def draw_state(frame: np.ndarray, box, text: str, colour) -> np.ndarray:
    out = frame.copy()
    if box is not None:
        x, y, w, h = [int(round(v)) for v in box]
        cv2.rectangle(out, (x, y), (x + w, y + h), colour, 2)
        cv2.putText(out, text, (x, max(y - 6, 12)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.5, colour, 1, cv2.LINE_AA)
    else:
        cv2.putText(out, text, (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                    (0, 0, 255), 1, cv2.LINE_AA)
    return out


def detect_then_track(detector, tracker, source: FrameSource,
                      cfg: DetectTrackConfig,
                      init_bbox: Optional[Sequence[float]] = None,
                      out_file: Optional[str] = None, show: bool = False,
                      progress: bool = True) -> DetectTrackResult:
    """Run the loop over ``source``.

    Frame 0 (and every frame until the target is found): ``init_bbox`` if
    given, else the detector's best box of the target class. Then the
    tracker follows; after ``lost_frames`` frames in a row scoring below
    ``lost_score``, the detector looks near the last box and, when it finds
    the target, the tracker restarts there. Each frame's record: ``frame``,
    ``box`` (x, y, w, h or None), ``score``, ``source`` ('init',
    'detector', 'redetect', 'tracker' or 'none').
    """
    pipeline = inference_pipeline(detector, from_array=True)
    res = DetectTrackResult(stats=LoopStats())
    box, low = None, 0
    with FrameOutput(source, out_file, show, progress) as output:
        for index, frame in enumerate(source):
            rgb = np.ascontiguousarray(frame[..., ::-1])
            tic = time.perf_counter()
            score, origin = None, 'none'
            with torch.no_grad():
                if box is None:
                    found = None
                    if index == 0 and init_bbox is not None:
                        found = (np.asarray(init_bbox, float), None, None)
                        origin = 'init'
                    else:
                        res.detector_calls += 1
                        found = pick_detection(inference_detector(
                            detector, frame, test_pipeline=pipeline), cfg)
                        origin = 'detector'
                    if found is not None:
                        box, score = found[0], found[1]
                        tracker.init(rgb, box)
                        low = 0
                    else:
                        origin = 'none'
                else:
                    out = tracker.track(rgb)
                    box, score, origin = (np.asarray(out['bbox'], float),
                                          float(out['score']), 'tracker')
                    low = low + 1 if score < cfg.lost_score else 0
                    if low >= cfg.lost_frames:
                        res.detector_calls += 1
                        found = pick_detection(inference_detector(
                            detector, frame, test_pipeline=pipeline), cfg,
                            near=box)
                        if found is not None:
                            box, score = found[0], found[1]
                            tracker.init(rgb, box)
                            origin, low = 'redetect', 0
                            res.reacquired += 1
            output.stats.model_seconds += time.perf_counter() - tic
            res.frames.append(dict(
                frame=index,
                box=None if box is None else [float(v) for v in box],
                score=score, source=origin))
            label = origin if score is None else f'{origin} {score:.2f}'
            colour = (0, 255, 0) if origin == 'tracker' else (255, 160, 0)
            drawn = draw_state(frame, box, label if box is not None else
                               'target not found', colour)
            if not output.put(drawn):
                break
    res.stats = output.result()
    return res
