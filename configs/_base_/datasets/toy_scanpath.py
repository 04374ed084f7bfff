# OAT's toy visual search (tools/misc/make_toy_scanpaths.py): shelves of
# 4 x 6 products, simulated searchers, OAT's 80/10/10 split (stored in the
# json). Crops are half the products' size (48 x 32 px): enough for
# shapes, colours and stripes, and 4x less convolution than full size.
dataset_type = 'ObjectScanpathDataset'
data_root = 'data/toy_scanpath/'
crop_size = (48, 32)
scanpath_pipeline = [
    dict(type='LoadObjectCrops', crop_size=crop_size),
    dict(type='PackScanpathInputs')
]
train_dataloader = dict(
    batch_size=20,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations.json',
        data_prefix=dict(img='images/'),
        split='train',
        max_grid=6,
        pipeline=scanpath_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations.json',
        data_prefix=dict(img='images/'),
        split='val',
        max_grid=6,
        test_mode=True,
        pipeline=scanpath_pipeline))
test_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations.json',
        data_prefix=dict(img='images/'),
        split='test',
        max_grid=6,
        test_mode=True,
        pipeline=scanpath_pipeline))
val_evaluator = dict(type='ScanpathMetric')
test_evaluator = val_evaluator
