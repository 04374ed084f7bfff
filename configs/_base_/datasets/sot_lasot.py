# LaSOT test set (280 sequences, data/lasot/<class>/<class>-<k>/), one
# frame per step, OPE: success AUC, precision (20 px), normalised
# precision; frames with full occlusion or out of view count as failures
# and stay in the denominator. Per-sequence results are written in the
# official text format under work_dirs/.../lasot_results/.
sot_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PackSOTInputs')
]
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    # whole videos per process, frames in order (trackers keep state)
    sampler=dict(type='SOTVideoSampler'),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='LaSOTDataset',
        data_root='data/lasot/',
        loader_cfg=dict(split_file='testing_set.txt'),
        test_mode=True,
        pipeline=sot_test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='SOTMetric', metric='OPE', only_eval_visible=True,
    outfile_prefix='lasot_results')
test_evaluator = val_evaluator
