# RetinaNet, ResNet-50 + ELA-B (stages 2-4), 1x COCO. mmdet's R-50 baseline:
# 36.5 box AP. No official ELA detection result with this detector exists.
_base_ = [
    '../_base_/datasets/coco_detection.py', '../_base_/default_runtime.py',
    '../_base_/models/retinanet_r50-ela-b_fpn.py',
    '../_base_/schedules/retinanet_1x.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.ela'], allow_failed_imports=False)
