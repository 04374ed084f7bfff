# RetinaNet, BiFormer-S, 1x on PIDray (12 classes); prints AP on the easy /
# hard / hidden test subsets and their mean.
_base_ = [
    '../_base_/datasets/pidray_detection.py', '../_base_/default_runtime.py',
    '../_base_/models/retinanet_biformer-s_fpn.py',
    '../_base_/schedules/adamw-fp16_1x.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.biformer'],
    allow_failed_imports=False)
model = dict(bbox_head=dict(num_classes=12))
