"""Installs the ``projects`` package so configs' ``custom_imports`` work from any directory."""
from setuptools import find_packages, setup
from torch.utils.cpp_extension import BuildExtension, CppExtension

setup(
    name='attnvision',
    version='0.1.0',
    description='Attention-based detectors, backbones, tracker and modules for MMDetection 3.x',
    packages=find_packages(include=['projects', 'projects.*']),
    python_requires='>=3.8',
    install_requires=['mmdet==3.3.0', 'mmengine==0.10.7', 'mmcv==2.1.0',
                      'mmpretrain==1.2.0', 'multimatch-gaze==0.1.3'],
    # ONNX export (tools/deployment/pytorch2onnx.py); pins in requirements.txt
    extras_require={'deploy': ['onnx', 'onnxruntime', 'onnxsim']},
    # multi-scale deformable attention on CPU (mmcv compiles it for CUDA
    # only); projects.common.ops falls back to PyTorch where it is not built
    ext_modules=[
        CppExtension('projects.common.ops._ms_deform_attn_cpu',
                     ['projects/common/ops/csrc/ms_deform_attn_cpu.cpp'],
                     extra_compile_args=['-O3'])
    ],
    cmdclass={'build_ext': BuildExtension},
    license='Apache-2.0',
)
