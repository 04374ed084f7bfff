"""Fit OAT's grid position table offline and write it as ``.npy``.

Usage::

    python tools/misc/fit_oat_pe.py --size 14 --out pe_14.npy \
        [--sigma 2.0] [--steps 10000] [--lr 0.01] [--seed 0] [--dims 86]

``--size`` is max(rows, cols) of the layouts the model will see (14 for the
6 x 14 Amazon covers; any rows x cols works with a table that large). The
objective, optimiser and defaults are OAT's (``positionalEncodingLearned.py``;
see ``projects/oat/positional_table.py``). A config uses the file with
``model.pe_table=dict(file='pe_14.npy')``; without a file, the model fits
the same table (same arguments, same numbers) when it is built. The
script prints the similarity of each row to row 0 beside the Gaussian it
was fitted to, and the spread of the row norms. The file is written
atomically.
"""
import argparse
from typing import List, Optional

import numpy as np

from projects.common.utils.atomic_write import atomic_path
from projects.oat.positional_table import (fit_positional_table,
                                           gaussian_profile,
                                           similarity_matrix)


def parse_args(argv: Optional[List[str]] = None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=int, required=True,
                        help='table rows: max(rows, cols) of the layouts')
    parser.add_argument('--out', required=True, help='output .npy')
    parser.add_argument('--sigma', type=float, default=2.0)
    parser.add_argument('--steps', type=int, default=10000)
    parser.add_argument('--lr', type=float, default=0.01)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--dims', type=int, default=86)
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        table = fit_positional_table(args.size, args.dims, args.sigma,
                                     args.steps, args.lr, args.seed)
    except ValueError as exc:
        print(f'error: {exc}')
        return 1
    sim = similarity_matrix(table)[0]
    target = gaussian_profile(args.size, args.sigma).numpy()[0]
    norms = np.linalg.norm(table, axis=1)
    print('cos(row 0, row k) vs target:')
    for k in range(args.size):
        print(f'  k={k:2d}  {sim[k]: .4f}  {target[k]: .4f}')
    error = np.abs(similarity_matrix(table) -
                   gaussian_profile(args.size, args.sigma).numpy()).max()
    print(f'row norms: mean {norms.mean():.3f}, std {norms.std():.4f}; '
          f'max |cos - target| over all pairs {error:.4f}')
    with atomic_path(args.out) as tmp:
        with open(tmp, 'wb') as f:  # np.save would append .npy to a name
            np.save(f, table)
    print(f'wrote {args.out} ({table.shape[0]} x {table.shape[1]})')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
