"""Loss and validation-metric curves of a training run in one picture.

mmengine writes one json object per logged line to
``<work_dir>/<timestamp>/vis_data/<timestamp>.json`` (``scalars.json`` is
the visualiser's copy): training lines carry the loss terms and ``step``
(the iteration), validation lines the metrics (``coco/bbox_mAP``,
``sot/success_auc``, ...) and ``step`` (the epoch: 0 all along in an
iteration-based run). mmdet's ``analyze_logs plot_curve`` (which
``tools/analysis_tools/mmdet_tool.py`` runs) reads these files too, but
draws the metrics against epochs on the loss axes, so iteration-based runs
(every toy config here) lose their validation points; this module reads
the same lines, places each validation at the iteration it followed, and
draws the losses and the metrics side by side.
"""
import glob
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from projects.common.utils import UserInputError
from .drawing import new_figure, save

#: metrics drawn by default (suffix after the evaluator's prefix)
DEFAULT_METRICS = ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75', 'segm_mAP')


def find_json_log(work_dir: str) -> str:
    """The json log of the latest run in ``work_dir`` (or ``work_dir``
    itself when it is a json file)."""
    if osp.isfile(work_dir) and work_dir.endswith('.json'):
        return work_dir
    if not osp.isdir(work_dir):
        raise UserInputError(f'{work_dir}: no such work dir (give the '
                             '--work-dir of tools/train.py or a json log)')
    logs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', '*.json')))
    named = [p for p in logs if osp.basename(p) != 'scalars.json']
    if not (named or logs):
        raise UserInputError(
            f'{work_dir}: no <timestamp>/vis_data/<timestamp>.json log in '
            'it (is it the --work-dir of a finished or running training?)')
    return (named or logs)[-1]


def read_json_log(path: str) -> Tuple[Dict[str, list], Dict[str, list]]:
    """(train, val) series: key -> list of (iteration, value); a
    validation is placed at the last training iteration before it."""
    train: Dict[str, list] = {}
    val: Dict[str, list] = {}
    last_train_step = None
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as error:
                raise UserInputError(f'{path}:{number}: not a json line '
                                     f'({error.msg})') from None
            is_val = any('/' in k for k in entry)
            step = entry.get('step', entry.get('iter'))
            if is_val and last_train_step is not None:
                # mmengine logs a validation at the epoch (0 all along in
                # iteration-based runs): place it at the iteration it
                # followed, the axis of the losses
                step = last_train_step
            if step is None:
                continue
            if not is_val:
                last_train_step = step
            target = val if is_val else train
            for key, value in entry.items():
                if isinstance(value, (int, float)) and key not in (
                        'step', 'iter', 'epoch'):
                    target.setdefault(key, []).append((step, value))
    return train, val


def _loss_keys(train: Dict[str, list],
               keys: Optional[Sequence[str]]) -> List[str]:
    if keys:
        return [k for k in keys if k in train]
    # the total and the last layer's terms (not d0., enc_, dn_ copies)
    return [k for k in train if k == 'loss' or k.startswith('loss_')]


def _metric_keys(val: Dict[str, list],
                 metrics: Optional[Sequence[str]]) -> List[str]:
    if metrics:
        return [k for k in val if k in metrics or
                k.split('/')[-1] in metrics]
    return [k for k in val if '/' in k and (
        k.split('/')[-1] in DEFAULT_METRICS or k.startswith('sot/'))]


def plot_curves(work_dir: str, out_file: str,
                keys: Optional[Sequence[str]] = None,
                metrics: Optional[Sequence[str]] = None) -> str:
    """Draw the loss terms (left) and the validation metrics (right) of
    the run in ``work_dir`` into ``out_file`` (PNG); returns its path."""
    log = find_json_log(work_dir)
    train, val = read_json_log(log)
    loss_keys, metric_keys = _loss_keys(train, keys), _metric_keys(
        val, metrics)
    if not loss_keys and not metric_keys:
        raise UserInputError(f'{log}: no loss term nor metric to plot '
                             f'(train keys: {", ".join(train) or "none"})')
    fig, axes = new_figure(2, 1, size=5)
    for ax, series, names, title in (
            (axes[0, 0], train, loss_keys, 'training losses'),
            (axes[0, 1], val, metric_keys, 'validation')):
        for name in names:
            steps, values = zip(*series[name])
            ax.plot(steps, values, label=name,
                    marker='o' if len(steps) < 30 else None,
                    linewidth=1.0)
        ax.set_xlabel('iteration')
        ax.set_title(title if names else f'{title}: nothing logged',
                     fontsize=9)
        if names:
            ax.legend(fontsize=7)
    fig.suptitle(osp.relpath(log), fontsize=8)
    out_dir, name = osp.split(osp.abspath(out_file))
    return save(fig, out_dir, name)
