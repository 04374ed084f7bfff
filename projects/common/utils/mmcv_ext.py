"""Whether the installed mmcv carries its compiled CUDA ops (used to pick
between a compiled op and its PyTorch path: deformable attention for the
DETRs, precise RoI pooling for MixFormer)."""


def mmcv_has_cuda_kernel() -> bool:
    """Whether mmcv's compiled extension includes the CUDA kernels."""
    try:
        from mmcv.utils import ext_loader
        ext = ext_loader.load_ext('_ext', ['get_compiling_cuda_version'])
        return ext.get_compiling_cuda_version() != 'not available'
    except Exception:  # noqa: BLE001 - no extension at all
        return False
