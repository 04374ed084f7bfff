"""Load a model, run it once under its attention probes and draw.

Detectors run on one image (the config's test pipeline and
preprocessor, as ``mmdet.apis.inference_detector``); trackers track the
frames of a video or a frame folder from an initial box.
"""
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import mmcv
import numpy as np
import torch

from projects.common.utils import UserInputError
from .probe import AttentionProbe, probes_for
from .scene import ImageScene, TrackedFrame, VideoScene

#: frame folder names that say nothing: the pictures take the parent's
GENERIC_FRAME_FOLDERS = ('img', 'imgs', 'images', 'frames', 'color')


def load_model(config: str, checkpoint: str, device: str = 'cpu'):
    """The detector or tracker of ``config`` with ``checkpoint`` loaded,
    in eval mode."""
    from mmengine.model import BaseModel
    from mmdet.models.detectors import BaseDetector
    from mmdet.registry import MODELS

    from projects.common.utils import load_model_config
    for path, what in ((config, 'config'), (checkpoint, 'checkpoint')):
        if not osp.isfile(path):
            raise UserInputError(f'{path}: no such {what} file (give the '
                                 f'{what} path as written by tools/train.py)')
    cfg = load_model_config(config)
    model_cls = MODELS.get(cfg.model.type)
    if model_cls is None or not issubclass(model_cls, BaseModel):
        raise UserInputError(f'{config}: model.type {cfg.model.type!r} is '
                             'not a registered model')
    if issubclass(model_cls, BaseDetector):
        from mmdet.apis import init_detector
        return init_detector(cfg, checkpoint, device=device)
    from projects.mixformer.apis import init_tracker
    return init_tracker(config, checkpoint, device)


def model_probes(model, config: str = 'the config') -> List[AttentionProbe]:
    """The probes for ``model``; a clear error when there is none."""
    probes = probes_for(model)
    if not probes:
        from .probe import ATTENTION_PROBES
        raise UserInputError(
            f'{config}: no attention probe applies to a '
            f'{type(model).__name__} (probes: '
            f'{", ".join(ATTENTION_PROBES.module_dict)}); add one in '
            'projects/common/visualization/ (README, "Attention pictures")')
    return probes


def run_image(model, probes: Sequence[AttentionProbe], image_path: str,
              topk: int = 3,
              query_point: Optional[Tuple[float, float]] = None
              ) -> ImageScene:
    """Run the detector on ``image_path`` once with every probe attached
    (their records stay for :meth:`AttentionProbe.draw`)."""
    from contextlib import ExitStack

    from projects.common.apis import inference_pipeline
    if not osp.isfile(image_path):
        raise UserInputError(f'{image_path}: no such image file')
    data = inference_pipeline(model, from_array=False)(
        dict(img_path=image_path, img_id=0))
    batch = dict(inputs=[data['inputs']], data_samples=[data['data_samples']])
    with ExitStack() as stack, torch.no_grad():
        for probe in probes:
            stack.enter_context(probe)
        sample = model.test_step(batch)[0]
    image = mmcv.imread(image_path, channel_order='rgb')
    stem = osp.splitext(osp.basename(image_path))[0]
    return ImageScene(image=image, stem=stem, sample=sample, topk=topk,
                      query_point=query_point)


def _frames(source: str) -> Tuple[str, list]:
    """(stem, frame iterator factory) of a video file or a frame folder."""
    from projects.common.apis.frame_source import VideoFileSource
    from projects.common.utils import list_images
    if osp.isdir(source):
        files = list_images(source)
        if not files:
            raise UserInputError(f'{source}: no image files in the folder')
        folder = osp.normpath(osp.abspath(source))
        stem = osp.basename(folder)
        if stem.lower() in GENERIC_FRAME_FOLDERS:  # name the sequence
            stem = osp.basename(osp.dirname(folder))
        return stem, (mmcv.imread(f) for f in files)
    if not osp.isfile(source):
        raise UserInputError(f'{source}: no such video file or frame folder')
    return osp.splitext(osp.basename(source))[0], iter(VideoFileSource(source))


def run_video(model, probes: Sequence[AttentionProbe], source: str,
              init_bbox: Optional[Sequence[float]], max_frames: int = 4
              ) -> VideoScene:
    """Track ``init_bbox`` (x, y, w, h on frame 0) through the first
    ``max_frames`` frames after frame 0 of ``source``; each probe's
    ``frame_records()`` is kept per frame."""
    from contextlib import ExitStack
    if init_bbox is None:
        raise UserInputError('a tracker needs --init-bbox x,y,w,h (the '
                             'target on the first frame)')
    stem, frames = _frames(source)
    scene = VideoScene(stem=stem, frames=[])
    with ExitStack() as stack, torch.no_grad():
        for probe in probes:
            stack.enter_context(probe)
        for index, bgr in enumerate(frames):
            rgb = np.ascontiguousarray(bgr[..., ::-1])
            if index == 0:
                model.init(rgb, np.asarray(init_bbox, float))
                scene.frames.append(TrackedFrame(0, rgb, init_bbox, -1.0))
                continue
            out = model.track(rgb)
            records = {}
            for probe in probes:
                records.update(probe.frame_records())
            scene.frames.append(TrackedFrame(index, rgb, out['bbox'].tolist(),
                                             out['score'], records))
            if index >= max_frames:
                break
    if len(scene.frames) < 2:
        raise UserInputError(f'{source}: needs at least two frames (one to '
                             'initialise, one to track)')
    return scene


def draw_all(probes: Sequence[AttentionProbe], scene, out_dir: str
             ) -> List[str]:
    """Every probe's pictures of ``scene`` in ``out_dir``."""
    os.makedirs(out_dir, exist_ok=True)
    files = []
    for probe in probes:
        files.extend(probe.draw(scene, out_dir))
    return files
