# ExDark (low-light), COCO json written by
# tools/dataset_converters/exdark_to_coco.py:
#   data/exdark/annotations/exdark_{train,test}.json (+ exdark_val.json for
#   the official 3000/1800/2563 split), images under data/exdark/images/
#   (the official ExDark/<Class>/<image> tree).
# Pipelines and loaders as COCO's; ExDarkMetric prints COCO AP and AP per
# lighting type (Low ... Twilight).
_base_ = './coco_detection.py'

dataset_type = 'ExDarkDataset'
data_root = 'data/exdark/'

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/exdark_train.json',
        data_prefix=dict(img='images/')))
# The FeatEnHancer / MAET convention evaluates on the test split; with the
# official split, point val at annotations/exdark_val.json instead.
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/exdark_test.json',
        data_prefix=dict(img='images/')))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='ExDarkMetric',
    ann_file=data_root + 'annotations/exdark_test.json',
    per_light=True)
test_evaluator = val_evaluator
