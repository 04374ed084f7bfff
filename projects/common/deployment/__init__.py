"""Deployment: detectors exported as one ONNX graph with their
post-processing (:mod:`.export_model`), and the onnxruntime check of an
exported graph against PyTorch (:mod:`.onnx_check`). ``onnx``,
``onnxruntime`` and ``onnxsim`` are optional (``pip install -e .[deploy]``)
and imported only where used."""
from .export_model import (ExportableDetector, dense_post_process,
                           export_family, export_onnx, image_sample,
                           traceable_detr_post_process)
from .onnx_check import (Agreement, compare_detections, custom_operators,
                         median_seconds, ort_session, require_onnx)

__all__ = [
    'Agreement', 'ExportableDetector', 'compare_detections',
    'custom_operators', 'dense_post_process', 'export_family', 'export_onnx',
    'image_sample', 'median_seconds', 'ort_session', 'require_onnx',
    'traceable_detr_post_process'
]
