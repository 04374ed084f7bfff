# ExDark (low-light), COCO json written by
# tools/dataset_converters/exdark_to_coco.py:
#   data/exdark/annotations/exdark_{train,test}.json (+ exdark_val.json for
#   the official 3000/1800/2563 split), images under data/exdark/images/
#   (the official ExDark/<Class>/<image> tree).
# ExDarkMetric prints COCO AP and AP per lighting type (Low ... Twilight).
dataset_type = 'ExDarkDataset'
data_root = 'data/exdark/'
backend_args = None

train_pipeline = [
    dict(type='SafeLoadImageFromFile', skip_bad=True,
         backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='SafeLoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/exdark_train.json',
        data_prefix=dict(img='images/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline=train_pipeline,
        backend_args=backend_args))
# The FeatEnHancer / MAET convention evaluates on the test split; with the
# official split, point val at annotations/exdark_val.json instead.
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/exdark_test.json',
        data_prefix=dict(img='images/'),
        test_mode=True,
        pipeline=test_pipeline,
        backend_args=backend_args))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='ExDarkMetric',
    ann_file=data_root + 'annotations/exdark_test.json',
    metric='bbox',
    per_light=True,
    format_only=False,
    backend_args=backend_args)
test_evaluator = val_evaluator
