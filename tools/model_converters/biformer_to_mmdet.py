"""Convert an official BiFormer checkpoint to this project's ``BiFormer``.

Usage::

    # ImageNet classifier (weights under 'model') -> backbone weights, for
    # model.backbone.init_cfg=dict(type='Pretrained', checkpoint=...)
    python tools/model_converters/biformer_to_mmdet.py \
        biformer_small_best.pth checkpoints/biformer-s_in1k.pth

    # official mmdet-2 detector (weights under 'state_dict', 'backbone.*')
    # -> the detector of a config of this project
    python tools/model_converters/biformer_to_mmdet.py \
        retinanet_biformer_small.pth checkpoints/retinanet_biformer-s.pth \
        --config configs/biformer/retinanet_biformer-s_fpn_8xb2-1x_coco.py

The classifier's ``head`` and final BatchNorm ``norm`` are dropped, BRA's
``attn.qkv.qkv`` becomes ``attn.qkv`` and the MLP's ``mlp.3`` ``mlp.2``
(``projects/biformer/checkpoint.py``). The architecture (T/S/B) is read from
the keys. The conversion stops, listing them, when a key cannot be placed
or a weight of the target model stays unfilled or gets the wrong shape; the
output is written atomically, so a failure leaves no file.
"""
import argparse
import os.path as osp
import re
import sys
from typing import Dict

import torch

from projects.biformer import BiFormer, convert_official_biformer
from projects.common.utils import (check_state_dict, load_state_dict_file,
                                   model_state_from_config, write_converted)


def infer_arch(state: Dict[str, torch.Tensor]) -> str:
    """Name of :attr:`BiFormer.arch_zoo` entry the backbone keys describe."""
    depths = [0, 0, 0, 0]
    for key in state:
        m = re.match(r'stages\.(\d)\.(\d+)\.', key)
        if m:
            depths[int(m[1])] = max(depths[int(m[1])], int(m[2]) + 1)
    try:
        dims = [state[f'downsample_layers.{i}.{3 if i == 0 else 0}.weight']
                .shape[0] for i in range(4)]
    except KeyError as exc:
        raise ValueError(f'not a BiFormer backbone: {exc} missing') from None
    for name, arch in BiFormer.arch_zoo.items():
        if arch['depths'] == depths and arch['embed_dims'] == dims:
            return name
    raise ValueError(f'no BiFormer variant has depths {depths} and widths '
                     f'{dims}')


def convert_classifier(state: Dict[str, torch.Tensor]):
    """ImageNet checkpoint -> (backbone state, dropped keys, problems)."""
    backbone, dropped = convert_official_biformer(state)
    arch = infer_arch(backbone)
    target = BiFormer(arch).state_dict()
    # extra_norms are new in the detection backbone (official: initialised)
    return backbone, dropped, check_state_dict(backbone, target,
                                               ('extra_norms.', ))


def convert_detector(state: Dict[str, torch.Tensor], config: str):
    """Official detector -> (detector state, dropped keys, problems)."""
    target = model_state_from_config(config)
    backbone = {k[len('backbone.'):]: v for k, v in state.items()
                if k.startswith('backbone.')}
    backbone, dropped = convert_official_biformer(backbone)
    out = {f'backbone.{k}': v for k, v in backbone.items()}
    out.update((k, v) for k, v in state.items()
               if not k.startswith('backbone.'))
    # the official wrapper normalises all four stages; a config returning
    # fewer stages has no use for the other norms
    for key in [k for k in out if k.startswith('backbone.extra_norms.')]:
        if key not in target:
            dropped.append(key)
            del out[key]
    return out, dropped, check_state_dict(out, target)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description='Convert an official BiFormer checkpoint')
    parser.add_argument('src', help='official checkpoint')
    parser.add_argument('dst', help='output checkpoint for this project')
    parser.add_argument(
        '--config',
        help='config of the detector (needed for official detection '
        'checkpoints, whose keys start with "backbone.")')
    args = parser.parse_args(argv)
    try:
        state = load_state_dict_file(args.src)
        if any(k.startswith('backbone.') for k in state):
            if not args.config:
                raise ValueError(
                    f'{args.src} is a detector checkpoint (backbone.* '
                    f'keys): pass --config with the matching config of '
                    f'configs/biformer/')
            out, dropped, problems = convert_detector(state, args.config)
        else:
            out, dropped, problems = convert_classifier(state)
    except (OSError, ValueError, KeyError) as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 1
    meta = dict(converted_from=osp.basename(args.src))
    if args.config:
        meta['config'] = args.config
    if write_converted(out, meta, args.dst, problems):
        return 1
    print(f'{len(state)} keys -> {len(out)} keys in {args.dst} '
          f'(dropped: {len(dropped)} classifier keys)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
