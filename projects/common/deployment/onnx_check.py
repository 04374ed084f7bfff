"""Checks of an exported ONNX detector against PyTorch: onnxruntime's
outputs on the same input, the operators the graph uses, and latency.

Requires ``onnx`` and ``onnxruntime`` (``pip install -e .[deploy]``).
"""
from dataclasses import dataclass, field
from typing import List, Sequence

import numpy as np

from ..utils.timing import median_seconds  # noqa: F401 (re-exported)

#: ONNX operator domains of the standard opsets (anything else is a custom
#: operator that plain onnxruntime cannot run)
STANDARD_DOMAINS = ('', 'ai.onnx')

#: two scores closer than this are a tie whose order the runtimes may break
#: differently (float32 rounding of a score near 0.1-1 is ~1e-8)
TIE_ATOL = 1e-6


def require_onnx() -> None:
    """Raise ``ImportError`` naming the fix when the extras are missing."""
    missing = []
    for name in ('onnx', 'onnxruntime'):
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise ImportError(
            f'{", ".join(missing)} not installed. Fix: pip install -e '
            '.[deploy] -c requirements.txt')


def custom_operators(onnx_path: str) -> List[str]:
    """``domain::op`` of every node outside the standard ONNX domains."""
    import onnx
    graph = onnx.load(onnx_path).graph
    return sorted({f'{n.domain}::{n.op_type}' for n in graph.node
                   if n.domain not in STANDARD_DOMAINS})


#: onnxruntime's graph optimisation levels by short name
ORT_LEVELS = {
    'none': 'ORT_DISABLE_ALL',
    'basic': 'ORT_ENABLE_BASIC',
    'extended': 'ORT_ENABLE_EXTENDED',
    'all': 'ORT_ENABLE_ALL',
}


def ort_session(onnx_path: str, threads: int = 0, level: str = 'all'):
    """A CPU onnxruntime session (``threads`` 0: onnxruntime's default;
    ``level`` a key of :data:`ORT_LEVELS`, onnxruntime's default 'all')."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel,
                                               ORT_LEVELS[level])
    if threads:
        options.intra_op_num_threads = threads
    return ort.InferenceSession(onnx_path, options,
                                providers=['CPUExecutionProvider'])


@dataclass
class Agreement:
    """How exported detections agree with PyTorch's on one input."""
    num_torch: int
    num_onnx: int
    matched: int
    max_score_diff: float = 0.0
    max_box_diff: float = 0.0
    #: PyTorch detections with no counterpart whose score ties another
    #: detection's (a near tie the two runtimes may break differently)
    tied_unmatched: int = 0
    #: PyTorch detections with no counterpart and no tie
    unmatched: int = 0
    notes: List[str] = field(default_factory=list)

    def ok(self, score_atol: float, box_atol: float) -> bool:
        return (self.unmatched == 0 and self.num_torch == self.num_onnx
                and self.max_score_diff <= score_atol
                and self.max_box_diff <= box_atol)

    def summary(self) -> str:
        text = (f'{self.num_torch} PyTorch / {self.num_onnx} onnxruntime '
                f'detections, {self.matched} matched: max |score diff| '
                f'{self.max_score_diff:.2e}, max |box diff| '
                f'{self.max_box_diff:.2e} px')
        if self.tied_unmatched:
            text += (f'; {self.tied_unmatched} ordered differently within '
                     'a score tie')
        if self.unmatched:
            text += f'; {self.unmatched} without a counterpart'
        return text


def compare_detections(torch_out: Sequence[np.ndarray],
                       onnx_out: Sequence[np.ndarray], score_atol: float,
                       box_atol: float) -> Agreement:
    """Match each PyTorch detection (by descending score) to the
    onnxruntime detection of the same label with the closest box, and
    collect the differences.

    Order is not compared: detections whose scores tie (within
    :data:`TIE_ATOL`) may come out in either order (top-k and NMS break ties
    differently), which can also swap which of two tied boxes survives NMS;
    such a PyTorch detection without a counterpart is counted as
    ``tied_unmatched``, any other as ``unmatched``.
    """
    boxes, scores, labels = (np.asarray(a) for a in torch_out)
    o_boxes, o_scores, o_labels = (np.asarray(a) for a in onnx_out)
    result = Agreement(len(scores), len(o_scores), 0)
    used = np.zeros(len(o_scores), bool)
    for i in np.argsort(-scores, kind='stable'):
        candidates = np.flatnonzero(~used & (o_labels == labels[i]))
        box_diff = (np.abs(o_boxes[candidates] - boxes[i]).max(1)
                    if len(candidates) else np.zeros(0))
        if len(candidates) and box_diff.min() <= box_atol:
            j = candidates[box_diff.argmin()]
            used[j] = True
            result.matched += 1
            result.max_box_diff = max(result.max_box_diff,
                                      float(box_diff.min()))
            result.max_score_diff = max(result.max_score_diff,
                                        float(abs(o_scores[j] - scores[i])))
            continue
        others = np.delete(scores, i)
        if len(others) and np.abs(others - scores[i]).min() <= TIE_ATOL:
            result.tied_unmatched += 1
        else:
            result.unmatched += 1
    return result
