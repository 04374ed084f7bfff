# Relation-DETR, ResNet-50, 12 epochs on ExDark (12 classes, low light).
# Model and schedule are the COCO recipe's; the data layout is that of
# configs/_base_/datasets/exdark_detection.py. Testing prints COCO AP and AP
# per lighting type.
_base_ = './relation-detr_r50_8xb2-12e_coco.py'

data_root = 'data/exdark/'
model = dict(bbox_head=dict(num_classes=12))

train_dataloader = dict(
    dataset=dict(
        type='ExDarkDataset',
        data_root=data_root,
        ann_file='annotations/exdark_train.json',
        data_prefix=dict(img='images/')))
val_dataloader = dict(
    dataset=dict(
        type='ExDarkDataset',
        data_root=data_root,
        ann_file='annotations/exdark_test.json',
        data_prefix=dict(img='images/')))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='ExDarkMetric',
    ann_file=data_root + 'annotations/exdark_test.json',
    per_light=True)
test_evaluator = val_evaluator
