"""tools/misc/check_env.py: versions and the exact fix for a wrong stack."""
from projects.common.testing import run_tool, tool_module


def _load():
    return tool_module('tools/misc/check_env.py')


GOOD = dict(python='3.11.7', numpy='1.26.4', torch='2.9.1',
            torchvision='0.24.1', mmengine='0.10.7', mmcv='2.1.0',
            mmdet='3.3.0', mmpretrain='1.2.0', cv2='4.10.0',
            pycocotools='2.0', multimatch_gaze='installed',
            mmcv_ops='ok')


def test_installed_stack_passes():
    result = run_tool(['tools/misc/check_env.py'])
    assert result.returncode == 0, result.stderr
    assert 'mmcv' in result.stdout and 'environment OK' in result.stdout


def test_good_stack_has_no_problem():
    assert _load().problems(dict(GOOD)) == []


def test_mmcv_2_2_is_refused_with_fix():
    found = _load().problems(dict(GOOD, mmcv='2.2.0'))
    assert len(found) == 1
    assert 'mmcv 2.2.0' in found[0] and '<2.2.0' in found[0]
    assert 'pip install --no-build-isolation' in found[0]


def test_mmcv_without_ops_is_refused():
    info = dict(GOOD, mmcv_ops=None,
                mmcv_ops_error="ModuleNotFoundError: No module named 'mmcv._ext'")
    found = _load().problems(info)
    assert len(found) == 1 and 'no compiled ops' in found[0]


def test_mmcv_built_against_other_torch_is_refused():
    info = dict(GOOD, mmcv_ops=None,
                mmcv_ops_error='ImportError: _ext.so: undefined symbol: _ZN3c10')
    found = _load().problems(info)
    assert len(found) == 1
    assert 'compiled against another torch' in found[0]
    assert '--no-cache-dir' in found[0]


def test_too_new_torch_and_numpy_2_are_refused():
    found = _load().problems(dict(GOOD, torch='2.14.1', numpy='2.1.0'))
    assert any('torch 2.14.1 is too new' in line for line in found)
    assert any('numpy<2' in line for line in found)


def test_version_parsing():
    check_env = _load()
    assert check_env._version_tuple('2.1.0rc4+cu118') == (2, 1, 0)
    assert check_env._version_tuple('2.2.0') >= (2, 2)


def test_missing_mmpretrain_names_the_fix():
    found = _load().problems(dict(GOOD, mmpretrain=None))
    assert len(found) == 1 and 'mmpretrain' in found[0]
    assert 'make venv' in found[0]


def test_unbuilt_project_ops_name_the_fix():
    info = dict(GOOD, attnvision_ops=None,
                attnvision_ops_error='ImportError: no projects.common.ops.'
                '_ms_deform_attn_cpu library in projects/common/ops')
    found = _load().problems(info)
    assert len(found) == 1
    assert 'deformable attention does not load' in found[0]
    assert 'pip install --no-build-isolation --no-deps -e .' in found[0]


def test_collect_loads_the_built_project_ops():
    info = _load().collect()
    assert info['attnvision_ops'] == 'ok', info.get('attnvision_ops_error')
