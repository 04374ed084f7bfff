"""Run one of mmdetection's own analysis tools on this project's configs.

mmdet 3.3 installs its ``tools/analysis_tools/*.py`` inside the package
(``mmdet/.mim/tools/``); this finds the script and runs it unchanged with
the remaining arguments, after ``import projects.common`` (this project's
registrations and checkpoint-loading fix; each config's ``custom_imports``
registers its method). Usage::

    python tools/analysis_tools/mmdet_tool.py TOOL [the tool's arguments]
    python tools/analysis_tools/mmdet_tool.py --list

e.g. ``get_flops CONFIG``, ``benchmark CONFIG --checkpoint CKPT --task
inference``, ``browse_dataset CONFIG --output-dir DIR --not-show``,
``analyze_logs plot_curve LOG.json --keys loss --out loss.png``,
``confusion_matrix CONFIG PREDS.pkl OUT_DIR``.

On a machine without a GPU, mmdet's inference benchmark (written for CUDA:
it moves the model with ``.cuda()`` and calls ``torch.cuda.synchronize``)
runs on the CPU instead; nothing else is changed.
"""
import glob
import os.path as osp
import runpy
import sys


def tools_dir() -> str:
    """mmdet's packaged analysis tools folder."""
    import mmdet
    return osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools',
                    'analysis_tools')


def available() -> list:
    return sorted(osp.splitext(osp.basename(p))[0]
                  for p in glob.glob(osp.join(tools_dir(), '*.py')))


def _cpu_fallback() -> None:
    """Let CUDA-only timing code run on the CPU when there is no GPU."""
    import torch
    if torch.cuda.is_available():
        return
    from mmengine.model import BaseDataPreprocessor, BaseModel
    import mmdet.utils.benchmark as mmdet_benchmark
    torch.cuda.synchronize = lambda *args, **kwargs: None
    mmdet_benchmark.get_max_cuda_memory = lambda *args, **kwargs: 0
    # mmengine's models and preprocessors override .cuda() (they record
    # the device), so each class keeps its module on the CPU
    for cls in (torch.nn.Module, BaseModel, BaseDataPreprocessor):
        cls.cuda = lambda self, *args, **kwargs: self
    print('mmdet_tool: no GPU, timing on the CPU', file=sys.stderr)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ('-h', '--help', '--list'):
        print(__doc__.split('\n\n')[0])
        print('tools:', ', '.join(available()))
        return 0 if argv else 2
    name = argv[0][:-3] if argv[0].endswith('.py') else argv[0]
    script = osp.join(tools_dir(), f'{name}.py')
    if not osp.isfile(script):
        print(f'error: mmdet has no analysis tool {name!r} ({script} '
              f'missing); choose one of: {", ".join(available())}',
              file=sys.stderr)
        return 2
    import projects.common  # noqa: F401  registrations, torch.load fix
    if name == 'benchmark':
        _cpu_fallback()
    sys.argv = [script] + argv[1:]
    runpy.run_path(script, run_name='__main__')
    return 0


if __name__ == '__main__':
    sys.exit(main())
