"""Inference helpers for the demos: frame sources and the frame loop."""
from .frame_loop import FrameOutput, LoopStats, run_frame_loop
from .frame_source import (CameraSource, FrameSource, FrameSourceError,
                           VideoFileSource)
from .inference import inference_pipeline

__all__ = [
    'CameraSource', 'FrameSource', 'FrameSourceError', 'VideoFileSource',
    'FrameOutput', 'LoopStats', 'inference_pipeline', 'run_frame_loop'
]
