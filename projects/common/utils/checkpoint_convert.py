"""The one pipeline of the command-line converters of official checkpoints.

A converter is a rules module next to its model
(``projects/<method>/checkpoint.py``) plus a few lines in
``tools/model_converters/<method>_to_mmdet.py`` that call
:func:`run_converter`. The pipeline:

1. read the official file weights-only (:func:`load_state_dict_file`, or a
   reader given by the converter);
2. build the state dict of the model of ``--config`` (shapes only, no
   pretrained loading), when a config is given;
3. map the keys with the method's rules (``convert``);
4. check the result against the model: official keys no rule placed, model
   keys left unfilled, shapes that differ (:func:`check_state_dict`);
5. write ``{'state_dict', 'meta'}`` atomically, or list the problems and
   write nothing.
"""
import argparse
import os.path as osp
import sys
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

from torch import Tensor

from .checkpoint_io import (check_state_dict, load_state_dict_file,
                            model_state_from_config, write_converted)


@dataclass
class Conversion:
    """What a converter's rules produce from an official state dict.

    Attributes:
        state_dict (dict): The converted weights.
        unplaced (list[str]): Official keys that no rule placed (problems).
        dropped (list[str]): Official keys left out on purpose (reported).
        target (dict, optional): The state dict to check against when it
            is not the one of the ``--config`` model (e.g. a bare backbone).
        optional (Sequence[str]): Prefixes of target keys that may stay
            unfilled (they keep their initialisation).
        meta (dict): Extra entries of the written ``meta``.
    """
    state_dict: Dict[str, Tensor]
    unplaced: List[str] = field(default_factory=list)
    dropped: List[str] = field(default_factory=list)
    target: Optional[Dict[str, Tensor]] = None
    optional: Sequence[str] = ()
    meta: dict = field(default_factory=dict)


#: convert(official state dict, state dict of the config's model or None,
#: config path or None) -> Conversion
ConvertFn = Callable[[Dict[str, Tensor], Optional[Dict[str, Tensor]],
                      Optional[str]], Conversion]


def conversion_problems(result: Conversion,
                        target: Optional[Dict[str, Tensor]]) -> List[str]:
    """Every problem of a conversion against ``target`` (or
    ``result.target``), one line each; empty when the weights fit."""
    check = result.target if result.target is not None else target
    problems = [f'official key not placed: {k}' for k in result.unplaced]
    if check is None:
        return problems + ['no model to check the weights against: pass '
                           '--config']
    return problems + check_state_dict(result.state_dict, check,
                                       result.optional)


def run_converter(argv: Optional[Sequence[str]],
                  description: str,
                  convert: ConvertFn,
                  read: Callable[[str], Dict[str, Tensor]] = (
                      load_state_dict_file),
                  default_config: Optional[str] = None,
                  config_help: str = 'config whose model receives the '
                  'weights') -> int:
    """Command line ``src dst [--config CONFIG]`` of one converter.

    Args:
        argv: Command-line arguments (None: ``sys.argv[1:]``).
        description (str): The ``--help`` description.
        convert (callable): The method's rules, see :data:`ConvertFn`.
        read (callable): Reads the official file (weights only).
        default_config (str, optional): ``--config`` default.
        config_help (str): ``--config`` help text.

    Returns:
        int: 0 when written, 1 on any problem (nothing written).
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('src', help='official checkpoint')
    parser.add_argument('dst', help='output checkpoint for this project')
    parser.add_argument('--config', default=default_config, help=config_help)
    args = parser.parse_args(argv)
    try:
        official = read(args.src)
        target = (model_state_from_config(args.config)
                  if args.config else None)
        result = convert(official, target, args.config)
    except (OSError, ValueError, KeyError) as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 1
    meta = dict(converted_from=osp.basename(args.src))
    if args.config:
        meta['config'] = args.config
    meta.update(result.meta)
    if write_converted(result.state_dict, meta, args.dst,
                       conversion_problems(result, target)):
        return 1
    dropped = (f' (dropped {len(result.dropped)} unused: '
               f'{", ".join(result.dropped[:8])}'
               f'{", ..." if len(result.dropped) > 8 else ""})'
               if result.dropped else '')
    print(f'{len(official)} official keys -> {len(result.state_dict)} keys '
          f'in {args.dst}{dropped}')
    return 0
