"""Toy detectors and data samples for the detector tests."""
from typing import Optional, Sequence, Tuple


def toy_detector(config: str, seed: int = 0, **model_overrides):
    """Build and initialise the model of ``config`` (a toy config: nothing
    pretrained), with ``model_overrides`` merged into ``cfg.model``."""
    import torch
    from mmengine.config import Config

    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(config)
    cfg.model.update(model_overrides)
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def save_random_toy_detector(path: str, seed: int = 0,
                             config: Optional[str] = None) -> str:
    """The toy DINO (TOY_CONFIG, or another toy ``config``) initialised at
    random and saved as tools/train.py would, with the toy classes: a
    detector for the demo tests. Returns ``path``."""
    import torch

    from projects.common.datasets import ToyShapesDataset
    from ._utils import TOY_CONFIG
    model = toy_detector(config or TOY_CONFIG, seed)
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(dataset_meta=dict(ToyShapesDataset.METAINFO))),
               path)
    return path


def det_samples(boxes_per_image: Sequence,
                img_shapes: Optional[Sequence[Tuple[int, int]]] = None,
                batch_shape: Tuple[int, int] = (128, 128)):
    """One ``DetDataSample`` per image: ground-truth boxes (xyxy pixels)
    labelled 0, 1, 2, 0, ...; images of ``img_shapes`` (default: the whole
    batch shape) padded to ``batch_shape``."""
    import torch
    from mmengine.structures import InstanceData

    from mmdet.structures import DetDataSample
    samples = []
    for i, boxes in enumerate(boxes_per_image):
        shape = batch_shape if img_shapes is None else tuple(img_shapes[i])
        sample = DetDataSample(metainfo=dict(
            img_shape=shape, batch_input_shape=batch_shape,
            pad_shape=batch_shape, ori_shape=shape,
            scale_factor=(1.0, 1.0)))
        boxes = torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4)
        sample.gt_instances = InstanceData(
            bboxes=boxes, labels=torch.arange(len(boxes)) % 3)
        samples.append(sample)
    return samples
