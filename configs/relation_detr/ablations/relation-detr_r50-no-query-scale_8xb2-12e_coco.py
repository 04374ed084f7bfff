# Ablation: Relation-DETR without the conditional query-position scaling
# (query_scale) of decoder layers 1..5.
_base_ = '../relation-detr_r50_8xb2-12e_coco.py'
model = dict(decoder=dict(with_query_scale=False))
