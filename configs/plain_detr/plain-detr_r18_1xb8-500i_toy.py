# Plain-DETR shrunk for CPU training on the toy shapes (128 px): the R-50
# model with a from-scratch ResNet-18 (512 -> 256 channels after the
# upsampling), a 128-d decoder of 3 layers, 50 one-to-one + 150
# one-to-many queries; one process, batch 8.
_base_ = [
    '../_base_/datasets/toy_detection.py', '../_base_/schedules/toy_500i.py',
    '../_base_/models/plain-detr_r50.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.plain_detr'],
    allow_failed_imports=False)

embed_dims = 128
model = dict(
    num_queries_one2one=50,
    num_queries_one2many=150,
    backbone=dict(
        depth=18,
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        init_cfg=None),  # from scratch: nothing to download
    neck=[
        dict(type='TransposedConvUpsample', in_channels=512),
        dict(
            type='ChannelMapper',
            in_channels=[256],
            kernel_size=1,
            out_channels=embed_dims,
            bias=True,
            act_cfg=None,
            norm_cfg=dict(type='GN', num_groups=32),
            num_outs=1)
    ],
    decoder=dict(
        num_layers=3,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=embed_dims),
            cross_attn_cfg=dict(embed_dims=embed_dims, rpe_hidden_dim=128),
            ffn_cfg=dict(embed_dims=embed_dims, feedforward_channels=512))),
    positional_encoding=dict(num_feats=embed_dims // 2),
    bbox_head=dict(num_classes=3, embed_dims=embed_dims),
    test_cfg=dict(max_per_img=50))

optim_wrapper = dict(optimizer=dict(lr=4e-4))
