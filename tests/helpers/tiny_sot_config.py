# The toy MixFormer config with the tests' smaller widths.
_base_ = '../../configs/mixformer/mixformer_cvt-tiny_1xb8-1000i_toy.py'
model = dict(
    backbone=dict(arch=dict(embed_dims=[16, 32, 64], num_heads=[1, 1, 2])),
    head=dict(in_channels=64, channels=32),
    score_head=dict(hidden_dim=64))
