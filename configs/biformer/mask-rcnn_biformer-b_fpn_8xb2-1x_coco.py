# Mask R-CNN, BiFormer-B, 1x COCO (official: 48.6 box AP, 43.7 mask AP): the
# -S recipe with the base widths and drop path 0.3.
_base_ = './mask-rcnn_biformer-s_fpn_8xb2-1x_coco.py'

model = dict(
    backbone=dict(
        arch='base',
        drop_path_rate=0.3,
        init_cfg=dict(
            checkpoint='https://api.onedrive.com/v1.0/shares/'
            's!AkBbczdRlZvChHI_XPhoadjaNxtO/root/content',
            file_name='biformer_base_in1k.pth')),
    neck=dict(in_channels=[96, 192, 384, 768]))
