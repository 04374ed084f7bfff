# RetinaNet, BiFormer-S, 1x COCO (official: 45.9 box AP).
_base_ = [
    '../_base_/datasets/coco_detection.py', '../_base_/default_runtime.py',
    '../_base_/models/retinanet_biformer-s_fpn.py',
    '../_base_/schedules/adamw-fp16_1x.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.biformer'],
    allow_failed_imports=False)
