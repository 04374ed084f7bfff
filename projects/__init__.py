"""attnvision: attention-based detectors, backbones and modules for MMDetection 3.x.

Each method lives in ``projects/<method>/``; what several methods share lives in
``projects/common/``. Configs import them with ``custom_imports``.
"""
