# RetinaNet, ResNet-50 with ELA-B after the 3x3 conv of every bottleneck of
# stages 2-4: mmdet's RetinaNet R-50 with the ELA backbone. The ResNet keeps
# its ImageNet weights; ELA starts fresh.
_base_ = 'mmdet::_base_/models/retinanet_r50_fpn.py'

model = dict(
    backbone=dict(
        type='ResNetELA',
        ela_variant='B',
        ela_stages=(False, True, True, True)))
