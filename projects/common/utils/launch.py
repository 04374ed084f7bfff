"""Let mmengine's launchers run on machines without a GPU."""
import torch
import torch.distributed as dist


def setup_cpu_distributed(cfg) -> None:
    """Adapt a config so ``--launcher pytorch`` works on CPU-only machines.

    mmengine 0.10.7 always calls ``torch.cuda.set_device`` when it starts a
    process group and wraps the model with ``device_ids=[LOCAL_RANK]``; both
    fail without CUDA. On such a machine this starts the process group with
    the gloo backend itself (mmengine then skips its own start) and wraps the
    model without device ids. With CUDA present nothing changes.

    Args:
        cfg (Config): The run's config; ``cfg.launcher`` must be set.
    """
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none' or torch.cuda.is_available():
        return
    if launcher != 'pytorch':
        raise RuntimeError(
            f'--launcher {launcher} needs GPUs on this machine. Without a GPU '
            'use torchrun (tools/dist_train.sh / dist_test.sh, --launcher '
            'pytorch), which runs CPU processes with the gloo backend.')
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg['backend'] = 'gloo'
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
