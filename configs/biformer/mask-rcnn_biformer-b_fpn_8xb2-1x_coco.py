# Mask R-CNN, BiFormer-B, 1x COCO (official: 48.6 box AP, 43.7 mask AP): the
# -S recipe with the base widths and drop path 0.3.
_base_ = './mask-rcnn_biformer-s_fpn_8xb2-1x_coco.py'

model = dict(
    backbone=_base_.biformer_b, neck=dict(in_channels=[96, 192, 384, 768]))
