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
_dataset = dict(
    type=dataset_type,
    data_root=data_root,
    ann_file='annotations.json',
    data_prefix=dict(img='images/'),
    max_grid=6,
    pipeline=scanpath_pipeline)
_loader = dict(
    num_workers=0,
    persistent_workers=False,
    collate_fn=dict(type='pseudo_collate'))
train_dataloader = dict(
    _loader,
    batch_size=20,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(_dataset, split='train'))
val_dataloader = dict(
    _loader,
    batch_size=16,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(_dataset, split='val', test_mode=True))
test_dataloader = dict(
    val_dataloader, dataset=dict(_dataset, split='test', test_mode=True))
val_evaluator = dict(type='ScanpathMetric')
test_evaluator = val_evaluator
