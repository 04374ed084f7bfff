# RetinaNet, BiFormer-B, 1x COCO (official: 47.1 box AP): the -S recipe with
# the base widths and drop path 0.3.
_base_ = './retinanet_biformer-s_fpn_8xb2-1x_coco.py'

model = dict(
    backbone=_base_.biformer_b, neck=dict(in_channels=[192, 384, 768]))
