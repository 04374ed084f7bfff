"""Draw what a model's attention does on an image (or a tracked video).

Usage::

    python tools/analysis_tools/vis_attention.py CONFIG CHECKPOINT IMAGE \
        --out-dir DIR [--topk K] [--query-point X,Y] [--device cpu]
    # a tracker: IMAGE is a video file or a frame folder
    python tools/analysis_tools/vis_attention.py SOT_CONFIG CHECKPOINT \
        VIDEO --init-bbox x,y,w,h --out-dir DIR [--max-frames N]

Every registered attention probe that applies to the model draws its
pictures (``projects/common/visualization``; one probe per kind of
attention, maps caught with forward hooks):

* deformable DETRs (DINO, Relation-DETR, Focus-DETR): the last decoder
  layer's sampling points and weights of the top-K detections,
  ``<stem>_deform_points_top{k}.png``;
* Plain-DETR: the global cross-attention and its BoxRPB bias,
  ``<stem>_boxrpb_attn_top{k}.png``;
* Relation-DETR: the position-relation bias among the top-K queries,
  ``<stem>_relation_bias.png``;
* Focus-DETR: the foreground score per level and the kept tokens,
  ``<stem>_focus_fg_level{l}.png``;
* BiFormer backbones: the regions routed from the query region (the one
  under ``--query-point``, default the centre) in each stage,
  ``<stem>_biformer_routing_stage{s}.png``;
* MixFormer: per tracked frame the search-to-template attention and the
  score, ``<stem>_mixformer_frame{i}.png``, ``<stem>_mixformer_scores.png``.

A new model joins by registering one ``AttentionProbe`` subclass in
``ATTENTION_PROBES`` (see ``projects/common/visualization/probe.py``).
Training curves: ``tools/analysis_tools/plot_curves.py WORK_DIR``.
"""
import argparse
import os

import projects.common  # noqa: F401  registers modules, fixes torch.load
from projects.common.utils import UserInputError, run_cli


def _pair(text: str, what: str, example: str):
    try:
        values = [float(v) for v in text.split(',')]
    except ValueError:
        values = []
    if len(values) != 2:
        raise UserInputError(f'{what} {text!r}: expected x,y in pixels of '
                             f'the image, e.g. {what} {example}')
    return tuple(values)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('image', help='image (detectors) or video file / '
                        'frame folder (trackers)')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--topk', type=int, default=3,
                        help='detections drawn (DETRs)')
    parser.add_argument('--query-point', default=None,
                        help='x,y of the query region (BiFormer); default '
                        'the image centre')
    parser.add_argument('--init-bbox', default=None,
                        help='x,y,w,h of the target on frame 0 (trackers)')
    parser.add_argument('--max-frames', type=int, default=4,
                        help='frames tracked after frame 0 (trackers)')
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)
    if args.topk < 1:
        raise UserInputError(f'--topk {args.topk}: give at least 1')
    return args


def main(argv=None) -> int:
    from projects.common.visualization import (draw_all, load_model,
                                               model_probes, run_image,
                                               run_video)
    args = parse_args(argv)
    if not os.path.exists(args.image):
        raise UserInputError(f'{args.image}: no such image file (or video '
                             'file / frame folder for a tracker)')
    model = load_model(args.config, args.checkpoint, args.device)
    probes = model_probes(model, args.config)
    if probes[0].input_kind == 'video':
        from projects.mixformer.apis import parse_box
        box = None if args.init_bbox is None else parse_box(args.init_bbox)
        scene = run_video(model, probes, args.image, box, args.max_frames)
    else:
        point = None if args.query_point is None else _pair(
            args.query_point, '--query-point', '320,240')
        scene = run_image(model, probes, args.image, args.topk, point)
    files = draw_all(probes, scene, args.out_dir)
    print('\n'.join(files))
    return 0


if __name__ == '__main__':
    run_cli(main)
