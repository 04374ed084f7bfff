# OAT (ECCV 2024) with the official hyper-parameters (src/run.py,
# transformerLightning.py): d 512 (256 crop feature + 256 position), 4
# heads, FFN 512, 4 + 4 post-LN layers, dropout 0.1, the two-head pointer
# read-out (scale sqrt(512)), Xavier init; the position table of OAT's
# objective (sigma 2, Adam 0.01, 10 000 steps), fitted when the model is
# built (a converted official checkpoint brings its own table). Datasets
# set crop_size, the table size and the crop normalisation; the configs
# import projects.oat (custom_imports).
model = dict(
    type='OAT',
    embed_dims=512,
    num_heads=4,
    ffn_dims=512,
    num_encoder_layers=4,
    num_decoder_layers=4,
    dropout=0.1,
    crop_size=(150, 93),
    pe_table=dict(size=14, sigma=2.0, steps=10000, lr=0.01, seed=0),
    pointer_heads=2,
    pointer_dims=512,
    max_len=None,
    test_cfg=dict(mode='greedy'),
    data_preprocessor=dict(type='ScanpathDataPreprocessor'))
