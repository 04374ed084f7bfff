# Ablation: Relation-DETR without the position-relation attention bias (the
# decoder self-attention gets only the denoising mask, as DINO's).
_base_ = '../relation-detr_r50_8xb2-12e_coco.py'
model = dict(decoder=dict(with_position_relation=False))
