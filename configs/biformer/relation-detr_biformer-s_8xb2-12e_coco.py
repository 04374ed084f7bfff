# Relation-DETR with a BiFormer-S backbone, 12 epochs on COCO: the
# Relation-DETR recipe (configs/_base_/relation-detr_r50_12e.py) with
# BiFormer-S (n_win 16, auto-pad, drop path 0.2, ImageNet-1k weights) giving
# strides 8 / 16 / 32. No official result exists for this pair.
_base_ = '../relation_detr/relation-detr_r50_8xb2-12e_coco.py'
custom_imports = dict(
    imports=['projects.common', 'projects.relation_detr', 'projects.biformer'],
    allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='BiFormer',
        arch='small',
        n_win=16,
        auto_pad=True,
        drop_path_rate=0.2,
        out_indices=(1, 2, 3),
        norm_eval=True,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://api.onedrive.com/v1.0/shares/'
            's!AkBbczdRlZvChHDyM-x9KWRBZ832/root/content',
            file_name='biformer_small_in1k.pth')),
    neck=dict(in_channels=[128, 256, 512]))
