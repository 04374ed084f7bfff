# Faster R-CNN, ResNet-50 + ELA-B (stages 2-4), 1x COCO: mmdet's Faster
# R-CNN R-50 1x recipe (SGD 0.02) with the ELA backbone. mmdet's R-50
# baseline: 37.4 box AP.
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    '../_base_/datasets/coco_detection.py',
    '../_base_/schedules/schedule_1x.py', '../_base_/default_runtime.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.ela'], allow_failed_imports=False)
model = dict(
    backbone=dict(
        type='ResNetELA',
        ela_variant='B',
        ela_stages=(False, True, True, True)))
