# The BiFormer-S detection backbone of the official recipes: n_win 16 and
# auto-pad ("to allow any-size input"), drop path 0.2, BatchNorms of the
# stem / downsampling in eval mode, ImageNet-1k weights from the official
# link (downloaded once as biformer_small_in1k.pth and converted when
# loaded). Configs take it as dict(**_base_.biformer_s, out_indices=...).
biformer_s = dict(
    type='BiFormer',
    arch='small',
    n_win=16,
    auto_pad=True,
    drop_path_rate=0.2,
    norm_eval=True,
    init_cfg=dict(
        type='Pretrained',
        checkpoint='https://api.onedrive.com/v1.0/shares/'
        's!AkBbczdRlZvChHDyM-x9KWRBZ832/root/content',
        file_name='biformer_small_in1k.pth'))
# what BiFormer-B changes (drop path 0.3, its own weights)
biformer_b = dict(
    arch='base',
    drop_path_rate=0.3,
    init_cfg=dict(
        checkpoint='https://api.onedrive.com/v1.0/shares/'
        's!AkBbczdRlZvChHI_XPhoadjaNxtO/root/content',
        file_name='biformer_base_in1k.pth'))
