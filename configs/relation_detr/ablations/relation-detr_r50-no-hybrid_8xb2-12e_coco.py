# Ablation: Relation-DETR without the hybrid (contrastive relation) branch:
# no 1500 one-to-many queries, one decoder pass per step.
_base_ = '../relation-detr_r50_8xb2-12e_coco.py'
model = dict(num_hybrid_queries=0)
