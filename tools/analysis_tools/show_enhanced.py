"""Show what an image enhancer (FeatEnHancer) makes of an image: the input
and the enhanced image side by side, both denormalised.

Usage::

    python tools/analysis_tools/show_enhanced.py CONFIG CHECKPOINT IMAGE \
        [--out outputs/enhanced.jpg] [--device cpu]

The image goes through the config's test pipeline and data preprocessor
(resize, normalisation, padding), then through the enhancer in front of
the backbone (``model.backbone.enhancer``, :class:`EnhancedBackbone`). Both
halves are cut to the resized image (no padding) and mapped back to
pixels with the preprocessor's mean and std. The enhancer's output is not
an image it was trained to produce: values outside 0..255 are clipped.
"""
import argparse
import os.path as osp

import mmcv
import numpy as np
import torch

from mmdet.apis import init_detector

import projects.common  # noqa: F401  registers modules, fixes torch.load
from projects.common.apis import inference_pipeline
from projects.common.utils import UserInputError, run_cli


def _to_image(x: torch.Tensor, preprocessor, shape) -> np.ndarray:
    """(3, H, W) normalised tensor -> (h, w, 3) uint8 BGR of the unpadded
    ``shape``."""
    x = x[:, :shape[0], :shape[1]] * preprocessor.std + preprocessor.mean
    image = x.clamp(0, 255).round().byte().permute(1, 2, 0).cpu().numpy()
    # the preprocessor turned BGR into RGB when it was asked to
    return image[..., ::-1] if preprocessor._channel_conversion else image


def enhanced_pair(model, image_path: str) -> np.ndarray:
    """The input and the enhanced image side by side (BGR uint8)."""
    enhancer = getattr(model.backbone, 'enhancer', None)
    if enhancer is None:
        raise UserInputError(
            f'the model of {model.cfg.filename} has no enhancer: its '
            'backbone must be an EnhancedBackbone (see '
            'projects/featenhancer/README.md)')
    data = inference_pipeline(model, from_array=False)(
        dict(img_path=image_path, img_id=0))
    batch = model.data_preprocessor(
        dict(inputs=[data['inputs']], data_samples=[data['data_samples']]),
        False)
    with torch.no_grad():
        enhanced = enhancer(batch['inputs'])
    shape = batch['data_samples'][0].img_shape
    pre = model.data_preprocessor
    return np.concatenate([_to_image(batch['inputs'][0], pre, shape),
                           _to_image(enhanced[0], pre, shape)], axis=1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('image')
    parser.add_argument('--out', default='outputs/enhanced.jpg')
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)
    if not osp.isfile(args.image):
        raise UserInputError(f'{args.image}: no such image file')
    model = init_detector(args.config, args.checkpoint, device=args.device)
    pair = enhanced_pair(model, args.image)
    mmcv.imwrite(pair, args.out)
    print(f'input | enhanced ({pair.shape[1] // 2}x{pair.shape[0]} each) '
          f'written to {args.out}')


if __name__ == '__main__':
    run_cli(main)
