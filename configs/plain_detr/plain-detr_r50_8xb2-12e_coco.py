# Plain-DETR (BoxRPB), ResNet-50, 12 epochs on COCO: the official BoxRPB
# recipe (configs/swinv2_small_sup_pt_boxrpe.sh hyper-parameters) with the
# ResNet-50 backbone the official code supports. There is no official R-50
# result (the official recipes are Swin-V2-S: 46.1 AP supervised
# pre-training, 48.7 MIM, 50.9 MIM + reparam).
_base_ = [
    '../_base_/datasets/coco_detection.py', '../_base_/default_runtime.py',
    '../_base_/models/plain-detr_r50.py',
    '../_base_/schedules/plain-detr_12e.py',
    '../_base_/datasets/detr_augmentation.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.plain_detr'],
    allow_failed_imports=False)

train_pipeline = {{_base_.detr_train_pipeline}}
# the official training keeps images without annotations
train_dataloader = dict(
    dataset=dict(
        filter_cfg=dict(filter_empty_gt=False), pipeline=train_pipeline))
