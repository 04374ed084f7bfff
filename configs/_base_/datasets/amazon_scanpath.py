# STI Amazon book covers as OAT uses them (see projects/oat/README.md):
# data/amazon_scanpath/Amazon.json, images/ (the collages, from DFKI), and
# optionally binarymask/ (OAT's layout masks); without masks the covers are
# the cells of a uniform 6 x 14 grid. Crops are OAT's 150 x 93, raw BGR.
dataset_type = 'AmazonScanpathDataset'
data_root = 'data/amazon_scanpath/'
crop_size = (150, 93)
scanpath_pipeline = [
    dict(type='LoadObjectCrops', crop_size=crop_size),
    dict(type='PackScanpathInputs')
]
_dataset = dict(
    type=dataset_type,
    data_root=data_root,
    ann_file='Amazon.json',
    data_prefix=dict(img='images/'),
    pipeline=scanpath_pipeline)
_loader = dict(
    num_workers=2,
    persistent_workers=True,
    collate_fn=dict(type='pseudo_collate'))
train_dataloader = dict(
    _loader,
    batch_size=20,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(_dataset, split='train'))
val_dataloader = dict(
    _loader,
    batch_size=1,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(_dataset, split='val', test_mode=True))
test_dataloader = dict(
    val_dataloader, dataset=dict(_dataset, split='test', test_mode=True))
val_evaluator = dict(type='ScanpathMetric')
test_evaluator = val_evaluator
