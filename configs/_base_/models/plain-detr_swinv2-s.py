# Plain-DETR BoxRPB with the Swin-V2-S backbone of the official recipes
# (impiga/Plain-DETR models/backbone.py, swin_v2_small_window16_2global):
# window 16, pre-training windows 16/16/16/8, both blocks of the last stage
# global, drop path 0.1, every LayerNorm eps 1e-6; the last stage (768
# channels, stride 32) upsampled to stride 16 (ConvTranspose 768 -> 384).
# The backbone is mmpretrain's SwinTransformerV2 with the official
# differences fixed in projects/plain_detr/swin_v2.py.
_base_ = ['./plain-detr_r50.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='PlainDETRSwinTransformerV2',
        arch='small',
        window_size=16,
        pretrained_window_sizes=(16, 16, 16, 8),
        global_blocks=((), (), (), (0, 1)),
        drop_path_rate=0.1,
        out_indices=(3, ),
        # supervised ImageNet-1k Swin-V2-S window 16 (256 px), as the
        # official swinv2_small_patch4_window16_256 (mmpretrain's copy)
        init_cfg=dict(
            type='Pretrained',
            prefix='backbone.',
            checkpoint='https://download.openmmlab.com/mmclassification/v0/'
            'swin-v2/swinv2-small-w16_3rdparty_in1k-256px_20220803-b707d206'
            '.pth')),
    neck=[
        dict(type='TransposedConvUpsample', in_channels=768),
        dict(
            type='ChannelMapper',
            in_channels=[384],
            kernel_size=1,
            out_channels=256,
            bias=True,
            act_cfg=None,
            norm_cfg=dict(type='GN', num_groups=32),
            num_outs=1)
    ])
