# Focus-DETR, ResNet-50, 12 epochs on ExDark (12 classes, low light): the
# COCO recipe on configs/_base_/datasets/exdark_detection.py. Testing prints
# COCO AP and AP per lighting type.
_base_ = [
    '../_base_/datasets/exdark_detection.py', '../_base_/default_runtime.py',
    '../_base_/models/focus-detr_r50.py',
    '../_base_/schedules/focus-detr_12e.py',
    '../_base_/datasets/detr_augmentation.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.focus_detr'],
    allow_failed_imports=False)

model = dict(bbox_head=dict(num_classes=12))
train_pipeline = {{_base_.detr_train_pipeline}}
train_dataloader = dict(
    dataset=dict(
        filter_cfg=dict(filter_empty_gt=True), pipeline=train_pipeline))
