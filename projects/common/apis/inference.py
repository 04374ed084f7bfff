"""The test pipeline of a model, adapted for inference on raw inputs."""
from mmcv.transforms import Compose

from mmdet.utils import get_test_pipeline_cfg

# What inference_detector can fill in for an input without annotations.
INFERENCE_META_KEYS = ('img_id', 'img_path', 'ori_shape', 'img_shape',
                       'scale_factor', 'flip', 'flip_direction')


def inference_pipeline(model, from_array: bool) -> Compose:
    """The model's test pipeline without annotation loading.

    Args:
        model: A detector built by :func:`mmdet.apis.init_detector`.
        from_array (bool): Read images from ``numpy`` arrays (video frames)
            instead of files.

    Returns:
        Compose: The pipeline for ``inference_detector(test_pipeline=...)``.
    """
    steps = [
        dict(step) for step in get_test_pipeline_cfg(model.cfg.copy())
        if 'LoadAnnotations' not in step['type']
    ]
    if from_array:
        steps[0] = dict(type='mmdet.LoadImageFromNDArray')
    elif 'LoadImageFromFile' not in steps[0]['type']:
        steps[0] = dict(type='mmdet.LoadImageFromFile')
    pack = steps[-1]
    if 'PackDetInputs' in pack['type'] and 'meta_keys' in pack:
        # dataset-specific keys (PIDray's 'subset') do not exist here
        pack['meta_keys'] = tuple(
            key for key in pack['meta_keys'] if key in INFERENCE_META_KEYS)
    return Compose(steps)
