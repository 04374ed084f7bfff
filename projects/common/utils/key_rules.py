"""Regex key rules of the converters of DETR-style official checkpoints
(Relation-DETR, Plain-DETR): each official key is renamed by the first rule
whose pattern matches it whole, and class-indexed tensors keep the rows of
the target classes."""
import re
from collections import OrderedDict
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

from torch import Tensor

#: COCO category ids in mmdet's class order (CocoDataset.METAINFO): the
#: rows to keep of a classifier indexed by category id (91 outputs).
COCO_CATEGORY_IDS = (
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
    23, 24, 25, 27, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43,
    44, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62,
    63, 64, 65, 67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84, 85,
    86, 87, 88, 89, 90)

#: how a rule treats class rows: False (not class-indexed), True (keep the
#: target classes' rows) or OBJECTNESS (row 0 is a binary objectness logit
#: and stays row 0; the other rows as True)
OBJECTNESS = 'objectness'
Rule = Tuple[str, Callable[[re.Match], str], Union[bool, str]]


def apply_key_rules(official: Dict[str, Tensor], rules: Sequence[Rule],
                    class_rows: Optional[Sequence[int]] = None,
                    dropped: Sequence[str] = ()
                    ) -> Tuple['OrderedDict[str, Tensor]', List[str]]:
    """Rename ``official`` by ``rules``.

    Args:
        official (dict): The official state dict.
        rules (list): ``(pattern, new_key(match), by_class)`` triples.
        class_rows (Sequence[int], optional): Rows to keep, in order, of
            every class-indexed tensor; None keeps all.
        dropped (Sequence[str]): Official keys left out on purpose.

    Returns:
        tuple: the converted state dict and the official keys that no rule
        placed (without ``dropped``).

    Raises:
        ValueError: when two official keys map to the same key.
    """
    compiled = [(re.compile(p), f, c) for p, f, c in rules]
    converted: 'OrderedDict[str, Tensor]' = OrderedDict()
    unplaced = []
    for key, value in official.items():
        if key in dropped:
            continue
        for pattern, target, by_class in compiled:
            match = pattern.fullmatch(key)
            if not match:
                continue
            if by_class and class_rows is not None:
                rows = list(class_rows)
                if by_class == OBJECTNESS:
                    rows[0] = 0
                value = value[rows]
            new_key = target(match)
            if new_key in converted:
                raise ValueError(f'two official keys map to {new_key}')
            converted[new_key] = value
            break
        else:
            unplaced.append(key)
    return converted, unplaced


def detr_head_layout(official: Dict[str, Tensor],
                     model_state: Optional[Dict[str, Tensor]],
                     official_head_key: str, method: str,
                     config: Optional[str] = None
                     ) -> Tuple[int, Optional[Tuple[int, ...]], dict]:
    """What the receiving DETR model decides of a conversion: its decoder
    depth (``bbox_head.cls_branches`` minus the encoder's) and the class
    rows to keep (91 COCO-id rows -> 80 classes when the model has 80).

    Args:
        official (dict): The official state dict.
        model_state (dict, optional): The receiving model's state dict.
        official_head_key (str): An official classifier weight (its rows
            are the official class count).
        method (str): The method's name, for the messages.
        config (str, optional): The receiving model's config, for the
            messages.

    Returns:
        tuple: ``(num_layers, class_rows, meta)``: ``class_rows`` None
        keeps every row; ``meta`` holds COCO's ``dataset_meta`` when the
        rows are cut to mmdet's COCO classes.

    Raises:
        ValueError: without a model, or when the class counts differ
            otherwise than 91 -> 80.
    """
    if model_state is None:
        raise ValueError(f'the {method} converter needs --config (the '
                         'model that receives the weights)')
    num_layers = sum(1 for k in model_state if re.fullmatch(
        r'bbox_head\.cls_branches\.\d+\.weight', k)) - 1
    num_classes = model_state['bbox_head.cls_branches.0.weight'].shape[0]
    head = official.get(official_head_key)
    official_classes = num_classes if head is None else head.shape[0]
    if official_classes == 91 and num_classes == 80:
        from mmdet.datasets import CocoDataset
        return num_layers, COCO_CATEGORY_IDS, dict(
            dataset_meta=dict(CocoDataset.METAINFO))
    if official_classes != num_classes:
        raise ValueError(
            f'the checkpoint has {official_classes} classes, the model of '
            f'{config} {num_classes}; only 91 (COCO ids) -> 80 is converted '
            'automatically.')
    return num_layers, None, {}
