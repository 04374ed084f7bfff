"""Wall time of a step and of a detector's inference, for the benchmark
scripts (best of several runs after a warm-up; CUDA is synchronised)."""
import os.path as osp
import statistics
import time
from typing import Callable, Sequence

import mmdet

#: mmdet's DINO R-50 (4 scales) config, the DETR benchmarks' baseline
DINO_R50_CONFIG = osp.join(osp.dirname(mmdet.__file__), '.mim', 'configs',
                           'dino', 'dino-4scale_r50_8xb2-12e_coco.py')


def best_seconds(step: Callable[[], object], device, repeats: int = 3,
                 warmup: int = 1) -> float:
    """The shortest of ``repeats`` timed calls of ``step()`` after
    ``warmup`` untimed ones (``device`` a ``torch.device``)."""
    import torch

    def sync():
        if device.type == 'cuda':
            torch.cuda.synchronize()

    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        sync()
        tic = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - tic)
    return min(times)


def median_seconds(step: Callable[[], object], repeats: int,
                   warmup: int = 1) -> float:
    """Median wall time of ``repeats`` calls of ``step()`` after ``warmup``
    untimed ones (CPU; no CUDA synchronisation)."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        tic = time.perf_counter()
        step()
        times.append(time.perf_counter() - tic)
    return float(statistics.median(times))


def one_image_batch(size: Sequence[int], device):
    """A random normalised (1, 3, h, w) image and its ``DetDataSample``
    (no padding, scale 1), for timing a detector."""
    import torch
    from mmdet.structures import DetDataSample
    h, w = size
    inputs = torch.randn(1, 3, h, w, device=device)
    sample = DetDataSample(metainfo=dict(
        img_shape=(h, w), ori_shape=(h, w), batch_input_shape=(h, w),
        pad_shape=(h, w), scale_factor=(1.0, 1.0)))
    return inputs, [sample]


def detector_latency(config: str, size: Sequence[int], device,
                     repeats: int = 3) -> float:
    """Seconds of one ``predict`` (post-processing included) of the
    detector of ``config`` with random weights on one ``size`` (h, w)
    image, as :func:`best_seconds`."""
    import torch
    from .model_build import build_model_from_config
    model = build_model_from_config(config).to(device).eval()
    model.init_weights()
    inputs, samples = one_image_batch(size, device)
    with torch.no_grad():
        return best_seconds(lambda: model.predict(inputs, samples), device,
                            repeats)


def train_batch(size: Sequence[int], batch_size: int, num_classes: int,
                boxes_per_image: int = 6, seed: int = 0, device='cpu'):
    """A random normalised (batch_size, 3, h, w) batch and its samples with
    ``boxes_per_image`` random ground-truth boxes each (seeded), for timing
    a detector's training step with ``model.loss``."""
    import torch
    from mmengine.structures import InstanceData
    from mmdet.structures import DetDataSample
    h, w = size
    gen = torch.Generator().manual_seed(seed)
    inputs = torch.randn(batch_size, 3, h, w, generator=gen)
    samples = []
    for _ in range(batch_size):
        corner = torch.rand(boxes_per_image, 2, generator=gen) * \
            torch.tensor([w, h]) * 0.7
        extent = (torch.rand(boxes_per_image, 2, generator=gen) * 0.25 +
                  0.05) * torch.tensor([w, h])
        boxes = torch.cat([corner, corner + extent], 1)
        boxes = boxes.clamp(max=torch.tensor([w, h, w, h]) - 1)
        sample = DetDataSample(metainfo=dict(
            img_shape=(h, w), ori_shape=(h, w), batch_input_shape=(h, w),
            pad_shape=(h, w), scale_factor=(1.0, 1.0)))
        sample.gt_instances = InstanceData(
            bboxes=boxes.to(device),
            labels=torch.randint(0, num_classes, (boxes_per_image, ),
                                 generator=gen).to(device))
        samples.append(sample)
    return inputs.to(device), samples


def train_step(model, inputs, samples) -> None:
    """One training step of a detector without an optimiser: ``loss`` on
    (``inputs``, ``samples``), backward of the summed losses, gradients
    cleared."""
    losses = model.loss(inputs, samples)
    total = sum(value for key, value in losses.items() if 'loss' in key)
    total.backward()
    model.zero_grad(set_to_none=True)


def interleaved(steps: dict, repeats: int, device) -> dict:
    """Median seconds of each step of ``steps`` (name: callable), the steps
    taking turns each round after one warm-up call each, so that a
    machine's drift hits them alike."""
    for step in steps.values():
        step()  # warm-up
    times = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            times[name].append(best_seconds(step, device, 1, warmup=0))
    return {name: statistics.median(t) for name, t in times.items()}
