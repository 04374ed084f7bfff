# DINO + position relation alone (the official README's "DINO++" row, 50.1
# AP at 12 epochs): every other Relation-DETR part off (no hybrid branch, no
# memory fusion, no query scaling, focal loss). With the relation off too this
# is dino_r50-baseline_8xb2-12e_coco.py.
_base_ = './dino_r50-baseline_8xb2-12e_coco.py'
model = dict(decoder=dict(with_position_relation=True))
