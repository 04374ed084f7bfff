# The ablations' baseline: Relation-DETR with every part off, which computes
# what mmdet's DINO computes (tests/relation_detr checks it with shared
# weights) but for the head's official inverse-sigmoid eps (1e-3; mmdet
# 1e-5: they differ for references within 1e-3 of 0 or 1). It keeps the Relation-DETR recipe around the network (900
# queries, sine PE T=10000 / offset -0.5, AdamW 1e-4, 12 epochs, DETR
# augmentation), so each ablation differs from it by its switches only.
_base_ = './relation-detr_r50-focal-loss_8xb2-12e_coco.py'
model = dict(
    num_hybrid_queries=0,
    encoder=dict(with_memory_fusion=False),
    decoder=dict(with_position_relation=False, with_query_scale=False))
