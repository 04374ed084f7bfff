# Ablation: Relation-DETR with DINO's sigmoid focal loss instead of the
# IoU-aware BCE loss on every classification term (same alpha and gamma).
_base_ = '../relation-detr_r50_8xb2-12e_coco.py'
model = dict(
    bbox_head=dict(
        loss_cls=dict(
            _delete_=True,
            type='FocalLoss',
            use_sigmoid=True,
            gamma=2.0,
            alpha=0.25,
            loss_weight=1.0)))
