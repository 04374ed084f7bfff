# GOT-10k test set (180 videos, data/got10k/test/): results written in the
# server's format (<seq>/<seq>_001.txt) for http://got-10k.aitestunion.com.
# For local AO / SR on GOT-10k val, use split='val' and format_only=False.
got10k_test_dataset = dict(
    type='GOT10kDataset',
    data_root='data/got10k/',
    loader_cfg=dict(split='test'),
    test_mode=True,
    pipeline=[dict(type='LoadImageFromFile'),
              dict(type='PackSOTInputs')])
got10k_evaluator = dict(
    type='SOTMetric', metric='GOT10k', format_only=True,
    outfile_prefix='got10k_results')
