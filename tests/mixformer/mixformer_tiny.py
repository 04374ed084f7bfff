"""A miniature MixFormer shared by the MixFormer tests."""
from mmengine.registry import init_default_scope

import projects.mixformer  # noqa: F401

init_default_scope('mmdet')

TINY = dict(
    type='MixFormer',
    backbone=dict(
        type='MixFormerBackbone',
        arch=dict(embed_dims=[16, 32, 64], depths=[1, 1, 2],
                  num_heads=[1, 1, 2])),
    head=dict(type='MixFormerCornerHead', in_channels=64, channels=32,
              feat_size=10),
    score_head=dict(type='MixFormerScoreDecoder', hidden_dim=64,
                    num_heads=2),
    test_cfg=dict(template_size=64, search_size=160, update_interval=3,
                  online_size=2, score_threshold=0.0))
