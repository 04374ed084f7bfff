# TrackingNet test set (511 videos, data/trackingnet/TEST/): only the first
# box is public, so results are written in the server's format (one
# <video>.txt per video) for https://eval.ai; no local metric. Configs use
# these as the dataset / evaluator of their test loader.
trackingnet_test_dataset = dict(
    type='TrackingNetDataset',
    data_root='data/trackingnet/',
    loader_cfg=dict(chunks=('TEST', )),
    test_mode=True,
    pipeline=[dict(type='LoadImageFromFile'),
              dict(type='PackSOTInputs')])
trackingnet_evaluator = dict(
    type='SOTMetric', metric='OPE', format_only=True, delimiter=',',
    outfile_prefix='trackingnet_results')
