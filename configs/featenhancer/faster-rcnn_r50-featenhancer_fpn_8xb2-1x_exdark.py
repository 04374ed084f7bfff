# Faster R-CNN R-50 with FeatEnHancer in front of the backbone, 1x on
# ExDark (12 classes): mmdet's Faster R-CNN recipe (SGD lr 0.02 for 8 GPUs
# x 2 images, steps at epochs 8 and 11).
_base_ = [
    '../_base_/datasets/exdark_detection.py', '../_base_/default_runtime.py',
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    '../_base_/schedules/schedule_1x.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.featenhancer'],
    allow_failed_imports=False)
_plain = {{_base_.model.backbone}}
model = dict(
    backbone=dict(
        _delete_=True,
        type='EnhancedBackbone',
        enhancer=dict(type='FeatEnHancer'),
        backbone=_plain),
    roi_head=dict(bbox_head=dict(num_classes=12)))
