# OAT on the STI Amazon book covers with the official recipe: the model of
# configs/_base_/models/oat.py on 150 x 93 raw BGR crops (as OAT's
# img_feature_amazon.py stores them), the 14-row table (max(6, 14)); Adam
# 1e-4 constant, clip 1.0, batch 20, up to 500 epochs, early stopping on
# the behavioural Delta (patience 30) and the best-Delta checkpoint kept;
# greedy decoding (OAT's stochastic evaluation: --cfg-options
# model.test_cfg.mode=sample model.test_cfg.num_samples=100).
_base_ = [
    '../_base_/models/oat.py', '../_base_/datasets/amazon_scanpath.py',
    '../_base_/schedules/oat_500e.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.oat'], allow_failed_imports=False)
model = dict(
    crop_size={{_base_.crop_size}},
    # the longest training scanpath after OAT's 3-sigma rule (tests/oat
    # checks it against the dataset)
    max_len=52,
    data_preprocessor=dict(
        mean=(0., 0., 0.), std=(1., 1., 1.), bgr_to_rgb=False))
