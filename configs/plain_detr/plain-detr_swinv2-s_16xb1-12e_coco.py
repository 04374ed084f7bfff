# Plain-DETR (BoxRPB), Swin-V2-S, 12 epochs on COCO: the official
# configs/swinv2_small_sup_pt_boxrpe.sh (46.1 AP): supervised pre-training,
# AdamW 2e-4, backbone 2e-5, weight decay 0.05 except the official
# no-decay names (incl. cpb_mlp), 1000-iteration warm-up, lr x0.1 after
# epoch 11, clip 0.1, drop path 0.1, DETR augmentation, 16 GPUs x 1 image.
_base_ = [
    '../_base_/datasets/coco_detection.py', '../_base_/default_runtime.py',
    '../_base_/models/plain-detr_swinv2-s.py',
    '../_base_/schedules/plain-detr_12e.py',
    '../_base_/datasets/detr_augmentation.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.plain_detr'],
    allow_failed_imports=False)

train_pipeline = {{_base_.detr_train_pipeline}}
# the official training keeps images without annotations; 1 image per GPU
# (the official README: larger batches degrade the first checkpoints)
train_dataloader = dict(
    batch_size=1,
    num_workers=2,
    dataset=dict(
        filter_cfg=dict(filter_empty_gt=False), pipeline=train_pipeline))
# total batch 16: `tools/train.py --auto-scale-lr` scales lr to yours
auto_scale_lr = dict(enable=False, base_batch_size=16)
