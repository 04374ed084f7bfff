# RetinaNet, ResNet-50 + ELA-B (stages 2-4), 1x on ExDark (12 classes).
_base_ = [
    '../_base_/datasets/exdark_detection.py', '../_base_/default_runtime.py',
    '../_base_/models/retinanet_r50-ela-b_fpn.py',
    '../_base_/schedules/retinanet_1x.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.ela'], allow_failed_imports=False)
model = dict(bbox_head=dict(num_classes=12))
