# Ablation: Relation-DETR without memory fusion (the decoder and the query
# selection read the last encoder layer, as DINO's).
_base_ = '../relation-detr_r50_8xb2-12e_coco.py'
model = dict(encoder=dict(with_memory_fusion=False))
