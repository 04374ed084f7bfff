# RetinaNet, ResNet-50 with ELA-B after the 3x3 conv of every bottleneck of
# stages 2-4, 1x: mmdet's RetinaNet R-50 1x recipe (SGD lr 0.01) with the
# ELA backbone. The ResNet keeps its ImageNet weights; ELA starts fresh.
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    './schedules/schedule_1x.py'
]
model = dict(
    backbone=dict(
        type='ResNetELA',
        ela_variant='B',
        ela_stages=(False, True, True, True)))
optim_wrapper = dict(optimizer=dict(lr=0.01))
