# RetinaNet, BiFormer-S, 1x on ExDark (12 classes, low light); prints COCO
# AP and AP per lighting type.
_base_ = [
    '../_base_/datasets/exdark_detection.py', '../_base_/default_runtime.py',
    '../_base_/models/retinanet_biformer-s_fpn.py',
    '../_base_/schedules/adamw-fp16_1x.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.biformer'],
    allow_failed_imports=False)
model = dict(bbox_head=dict(num_classes=12))
