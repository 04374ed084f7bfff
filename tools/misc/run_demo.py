"""The embedded default behind ``make demo``.

1. writes the toy shapes dataset (tools/misc/make_toy_data.py),
2. trains the toy detector with tools/train.py on this machine,
3. evaluates COCO bbox mAP on the toy test split with tools/test.py,
4. runs demo/video_demo.py on the toy video and writes an annotated video,
5. counts the video's shapes the annotated video shows
   (tools/analysis_tools/toy_video_recall.py),

then prints where each output is. Every step is the same command a user
would type; see the README.
"""
import argparse
import glob
import os
import os.path as osp
import re
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = 'configs/relation_detr/relation-detr_r18-no-hybrid_1xb4-1300i_toy.py'
DATA = 'data/toy'  # the data_root of the toy configs


def run(step: str, args: list) -> str:
    """Run one tool, streaming its output; return that output."""
    print(f'\n=== {step}: {" ".join(args)}', flush=True)
    tic = time.time()
    proc = subprocess.Popen([sys.executable, *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=dict(os.environ,
                                                PYTHONUNBUFFERED='1'))
    lines = []
    for line in proc.stdout:
        lines.append(line)
        sys.stdout.write(line)
    if proc.wait() != 0:
        sys.exit(f'{step} failed (exit code {proc.returncode}); see above.')
    print(f'=== {step} took {time.time() - tic:.0f} s', flush=True)
    return ''.join(lines)


def with_options(command: list, options: list) -> list:
    """``command`` with ``--cfg-options`` and ``options`` when there are
    any."""
    return command + (['--cfg-options', *options] if options else [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', default=DATA)
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--out-dir', default='outputs/demo')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the toy data')
    parser.add_argument('--train-seed', type=int,
                        help="training seed (default: the config's)")
    parser.add_argument('--config', default=CONFIG)
    args = parser.parse_args()
    start = time.time()

    # written again when missing or of another version of the generator
    run('toy data', ['tools/misc/make_toy_data.py', '--out', args.data,
                     '--seed', str(args.seed), '--skip-current'])
    data_options = []
    if osp.normpath(args.data) != osp.normpath(DATA):
        # the configs read data/toy; point every loader and evaluator at
        # --data (imported here: the project's import takes seconds)
        from projects.common.utils import data_root_options
        data_options = [f'{key}={value}' for key, value in
                        data_root_options(args.data).items()]
    seed = ([f'randomness.seed={args.train_seed}']
            if args.train_seed is not None else [])
    train = with_options(['tools/train.py', args.config, '--work-dir',
                          args.work_dir], data_options + seed)
    run('train', train)
    checkpoint = osp.join(args.work_dir, 'last_checkpoint')
    with open(osp.join(ROOT, checkpoint)) as f:
        checkpoint = f.read().strip()
    output = run('test', with_options(['tools/test.py', args.config,
                                       checkpoint, '--work-dir',
                                       args.work_dir], data_options))
    found = re.findall(r'coco/bbox_mAP: ([0-9.]+)', output)
    mean_ap = float(found[-1]) if found else float('nan')
    os.makedirs(osp.join(ROOT, args.out_dir), exist_ok=True)
    video_out = osp.join(args.out_dir, 'shapes_annotated.mp4')
    run('video demo', ['demo/video_demo.py',
                       osp.join(args.data, 'video', 'shapes.mp4'),
                       args.config, checkpoint, '--out', video_out])
    output = run('video recall', [
        'tools/analysis_tools/toy_video_recall.py', args.config, checkpoint,
        '--video-dir', osp.join(args.data, 'video')])
    found = re.findall(r'toy video: (.*?) \(', output)
    recall = found[-1] if found else '-'
    logs = sorted(glob.glob(osp.join(ROOT, args.work_dir, '*', '*.log')))
    print('\n' + '=' * 60)
    print(f'toy test bbox mAP : {mean_ap:.3f}')
    print(f'checkpoint        : {checkpoint}')
    print(f'logs              : {osp.relpath(logs[-1], ROOT) if logs else "-"}')
    print(f'annotated video   : {video_out} ({recall})')
    print(f'toy data          : {args.data}')
    print(f'total time        : {(time.time() - start) / 60:.1f} min')
    print('=' * 60)


if __name__ == '__main__':
    main()
