"""Check the installed OpenMMLab stack and fail fast with the exact fix.

Usage::

    python tools/misc/check_env.py

Prints the versions of python, torch, torchvision, numpy, mmengine, mmcv,
mmdet, mmpretrain, whether mmcv's compiled ops and this project's load, then
exits non-zero with one line per problem and the command that fixes it. This file imports
nothing from ``projects`` so that it still runs when the stack itself is
broken.
"""
import importlib
import importlib.machinery
import importlib.util
import platform
import sys
from pathlib import Path
from typing import Dict, List, Optional

# The one combination the project tests (see requirements.txt).
PINNED = {
    'torch': '2.9.1',
    'torchvision': '0.24.1',
    'mmengine': '0.10.7',
    'mmcv': '2.1.0',
    'mmdet': '3.3.0',
    'mmpretrain': '1.2.0',
}
REBUILD_MMCV = ('pip uninstall -y mmcv && pip install --no-build-isolation '
                '--no-cache-dir mmcv==2.1.0  (inside .venv, with '
                "'setuptools<70' wheel ninja installed first)")


def _version_tuple(version: str) -> tuple:
    """'2.1.0rc4+cu118' -> (2, 1, 0). Stops at the first non-numeric part."""
    parts = []
    for piece in version.split('+')[0].split('.'):
        digits = ''
        for char in piece:
            if not char.isdigit():
                break
            digits += char
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def collect() -> Dict[str, Optional[str]]:
    """Import each package and record its version, or the import error."""
    info: Dict[str, Optional[str]] = {
        'python': platform.python_version(),
    }
    for name in ('numpy', 'torch', 'torchvision', 'mmengine', 'mmcv',
                 'mmdet', 'mmpretrain', 'cv2', 'pycocotools',
                 'multimatch_gaze'):
        try:
            module = importlib.import_module(name)
            info[name] = getattr(module, '__version__', 'installed')
        except Exception as exc:  # noqa: BLE001 - report any import failure
            info[name] = None
            info[name + '_error'] = f'{type(exc).__name__}: {exc}'
    info['mmcv_ops'] = None
    if info.get('mmcv'):
        try:
            ext = importlib.import_module('mmcv._ext')
            info['mmcv_ops'] = 'ok'
            info['mmcv_cuda_ops'] = str(
                ext.get_compiling_cuda_version() != 'not available')
        except Exception as exc:  # noqa: BLE001
            info['mmcv_ops_error'] = f'{type(exc).__name__}: {exc}'
    if info.get('torch'):
        torch = importlib.import_module('torch')
        info['cuda_available'] = str(torch.cuda.is_available())
        # this project's compiled CPU operator (pip install -e . builds it
        # into projects/common/ops), loaded by path: importing the
        # projects package would import the whole stack
        name = 'projects.common.ops._ms_deform_attn_cpu'
        ops_dir = Path(__file__).resolve().parents[2] / 'projects/common/ops'
        built = sorted(ops_dir.glob('_ms_deform_attn_cpu*.so'))
        info['attnvision_ops'] = None
        try:
            if not built:
                raise ImportError(f'no {name} library in {ops_dir}')
            spec = importlib.util.spec_from_loader(
                name, importlib.machinery.ExtensionFileLoader(
                    name, str(built[0])))
            importlib.util.module_from_spec(spec)
            info['attnvision_ops'] = 'ok'
        except Exception as exc:  # noqa: BLE001
            info['attnvision_ops_error'] = f'{type(exc).__name__}: {exc}'
    return info


def problems(info: Dict[str, Optional[str]]) -> List[str]:
    """Turn the collected facts into a list of 'what is wrong -> fix' lines."""
    found = []
    for name in ('torch', 'torchvision', 'mmengine', 'mmdet', 'mmpretrain',
                 'pycocotools', 'cv2', 'numpy', 'multimatch_gaze'):
        if not info.get(name):
            found.append(f'{name} does not import ({info.get(name + "_error")}). '
                         'Fix: make venv  (or bash tools/misc/setup_venv.sh)')
    torch_v = info.get('torch')
    if torch_v and _version_tuple(torch_v) >= (2, 10):
        found.append(
            f'torch {torch_v} is too new: its headers need C++20, which the '
            'mmcv 2.1.0 build does not set. Fix: pip install torch==2.9.1 '
            f'torchvision==0.24.1, then {REBUILD_MMCV}')
    mmcv_v = info.get('mmcv')
    if info.get('mmcv_error'):
        found.append(f'mmcv does not import ({info["mmcv_error"]}). '
                     f'Fix: {REBUILD_MMCV}')
    elif mmcv_v:
        if _version_tuple(mmcv_v) >= (2, 2):
            found.append(
                f'mmcv {mmcv_v} is installed, but mmdet 3.3.0 requires '
                'mmcv>=2.0.0rc4,<2.2.0. Fix: ' + REBUILD_MMCV)
        elif _version_tuple(mmcv_v) < (2, 0):
            found.append(f'mmcv {mmcv_v} is the 1.x series (mmcv-full era). '
                         'Fix: ' + REBUILD_MMCV)
        error = info.get('mmcv_ops_error')
        if error and 'undefined symbol' in error:
            found.append(
                'mmcv was compiled against another torch than the installed '
                f'torch {torch_v} ({error}). Fix: {REBUILD_MMCV}')
        elif error:
            found.append(
                'mmcv has no compiled ops (mmcv-lite, or a build without '
                f'MMCV_WITH_OPS: {error}). Fix: {REBUILD_MMCV}')
    if info.get('attnvision_ops_error'):
        found.append(
            "this project's compiled CPU deformable attention does not load "
            f'({info["attnvision_ops_error"]}; built by setup.py, against '
            'the installed torch). Fix: pip install --no-build-isolation '
            '--no-deps -e .  (inside .venv, in the repository)')
    mmdet_v = info.get('mmdet')
    if mmdet_v and mmdet_v != PINNED['mmdet']:
        found.append(f'mmdet {mmdet_v} is installed; this project is tested '
                     'with 3.3.0. Fix: pip install mmdet==3.3.0')
    mmengine_v = info.get('mmengine')
    if mmengine_v and _version_tuple(mmengine_v) < (0, 7, 1):
        found.append(f'mmengine {mmengine_v} is older than mmdet 3.3.0 '
                     'accepts. Fix: pip install mmengine==0.10.7')
    numpy_v = info.get('numpy')
    if numpy_v and _version_tuple(numpy_v) >= (2, ):
        found.append(f'numpy {numpy_v}: mmdet 3.3.0 and pycocotools wheels '
                     'built for numpy 1.x break under 2.x. Fix: pip install '
                     '"numpy<2"')
    return found


def main() -> int:
    info = collect()
    width = max(len(key) for key in info)
    for key, value in info.items():
        if key.endswith('_error'):
            continue
        shown = value if value is not None else 'MISSING'
        pinned = PINNED.get(key)
        note = (f'  (pinned {pinned})' if pinned and value and
                pinned != value.split('+')[0] else '')
        print(f'{key:<{width}} : {shown}{note}')
    found = problems(info)
    if found:
        print('\nThe environment is not usable:', file=sys.stderr)
        for line in found:
            print(f'  - {line}', file=sys.stderr)
        return 1
    print('environment OK')
    return 0


if __name__ == '__main__':
    sys.exit(main())
