"""Convert ExDark annotations to COCO json for ``ExDarkDataset``.

Two inputs are understood, both with the official ``imageclasslist.txt``
(image, class 1-12, lighting 1-10, indoor 1 / outdoor 2, split 1 train /
2 val / 3 test), whose lighting type and indoor flag are kept on every image:

1. The official per-image ``% bbGt version=3`` files (ExDark_Annno/<Class>/
   <image>.txt: ``Class l t w h`` + 7 unused numbers per line)::

       python tools/dataset_converters/exdark_to_coco.py \
           --class-list ExDark/imageclasslist.txt \
           --ann-dir ExDark_Annno --img-dir ExDark \
           --out-dir data/exdark/annotations

   writes ``exdark_{train,val,test}.json`` of the official split.

2. The widely used COCO-format jsons (FeatEnHancer / MAET split; category
   ids from 0, some extensions in the wrong case)::

       python tools/dataset_converters/exdark_to_coco.py \
           --class-list ExDark/imageclasslist.txt \
           --coco-json exdark_train.json exdark_test.json \
           [--img-dir ExDark] --out-dir data/exdark/annotations

   rewrites each file under the same name with category ids 1-12, the
   official file names (or their paths under ``--img-dir``) and the lighting
   fields.

Every problem names the file and line. Nothing is dropped silently: images
without annotations and invalid boxes stop the conversion unless
``--allow-missing`` / ``--on-invalid skip`` are given, and then each one is
reported.
"""
import argparse
import json
import os
import os.path as osp
import sys
from collections import Counter, OrderedDict
from typing import Dict, List, Optional, Tuple

from projects.common.datasets.exdark import EXDARK_CLASSES as CLASSES
from projects.common.datasets.exdark import EXDARK_LIGHTING as LIGHTING
from projects.common.utils.atomic_write import atomic_path
from projects.common.utils.image_files import IMG_EXTENSIONS

SPLITS = {1: 'train', 2: 'val', 3: 'test'}


class ExDarkFormatError(ValueError):
    """A line of an ExDark file does not follow the format."""


def _key(name: str) -> str:
    """Lower-cased stem: ExDark names are unique without the extension,
    whose case differs between releases."""
    return osp.splitext(osp.basename(name))[0].lower()


def read_class_list(path: str) -> 'OrderedDict[str, dict]':
    """Parse imageclasslist.txt into {stem: record}, in file order."""
    records: 'OrderedDict[str, dict]' = OrderedDict()
    with open(path, newline='') as f:
        lines = f.read().splitlines()
    for lineno, line in enumerate(lines, 1):
        fields = line.split()
        if not fields or (lineno == 1 and fields[0] == 'Name'):
            continue  # empty line or the header "Name | Class | ..."

        where = f'{path}:{lineno}'
        if len(fields) != 5:
            raise ExDarkFormatError(
                f'{where}: expected 5 fields "name class light in/out split", '
                f'got {len(fields)}: {line.strip()!r}')
        try:
            label, light, inout, split = (int(v) for v in fields[1:])
        except ValueError:
            raise ExDarkFormatError(
                f'{where}: class, light, in/out and split must be integers: '
                f'{line.strip()!r}') from None
        for value, low, high, what in ((label, 1, 12, 'class'),
                                       (light, 1, 10, 'light'),
                                       (inout, 1, 2, 'in/out'),
                                       (split, 1, 3, 'split')):
            if not low <= value <= high:
                raise ExDarkFormatError(
                    f'{where}: {what} {value} outside {low}..{high}')
        key = _key(fields[0])
        if key in records:
            raise ExDarkFormatError(f'{where}: image {fields[0]} is listed '
                                    'twice')
        records[key] = dict(
            name=fields[0], label=label, light=light, indoor=inout == 1,
            split=split)
    if not records:
        raise ExDarkFormatError(f'{path}: no image listed')
    return records


def parse_bbgt(path: str) -> List[Tuple[int, List[float], int]]:
    """Parse one ``% bbGt version=3`` file.

    Returns:
        list: (class index 0-11, [l, t, w, h], line number) per object.
    """
    lookup = {name.lower(): i for i, name in enumerate(CLASSES)}
    objects = []
    with open(path, encoding='utf-8', errors='replace') as f:
        lines = f.read().splitlines()
    for lineno, line in enumerate(lines, 1):
        text = line.strip()
        if not text or (lineno == 1 and text.startswith('%')):
            continue
        fields = text.split()
        where = f'{path}:{lineno}'
        if len(fields) < 5:
            raise ExDarkFormatError(
                f'{where}: expected "Class l t w h ..." (at least 5 fields), '
                f'got {text!r}')
        label = lookup.get(fields[0].lower())
        if label is None:
            raise ExDarkFormatError(
                f'{where}: unknown class {fields[0]!r}; ExDark classes are '
                f'{", ".join(CLASSES)}')
        try:
            box = [float(v) for v in fields[1:5]]
        except ValueError:
            raise ExDarkFormatError(
                f'{where}: box "l t w h" must be numbers, got '
                f'{" ".join(fields[1:5])!r}') from None
        objects.append((label, box, lineno))
    return objects


def index_files(root: str, extensions: Tuple[str, ...]) -> Dict[str, str]:
    """{lower-cased stem: path relative to root} for files under root."""
    found: Dict[str, str] = {}
    for folder, _, names in os.walk(root):
        for name in names:
            if name.lower().endswith(extensions):
                stem = name[:-len('.txt')] if name.lower().endswith(
                    '.txt') else name
                found.setdefault(
                    _key(stem), osp.relpath(osp.join(folder, name), root))
    return found


def image_size(path: str) -> Tuple[int, int]:
    """(width, height) read from the image header."""
    from PIL import Image
    try:
        with Image.open(path) as img:
            return img.size
    except Exception as exc:  # noqa: BLE001
        raise ExDarkFormatError(f'{path}: cannot read the image size '
                                f'({exc})') from None


def check_box(box: List[float], width: int, height: int,
              where: str) -> List[float]:
    """Clip a box to the image; raise when nothing is left of it."""
    x, y, w, h = box
    x1, y1 = max(x, 0.0), max(y, 0.0)
    x2, y2 = min(x + w, float(width)), min(y + h, float(height))
    if x2 - x1 < 1 or y2 - y1 < 1:
        raise ExDarkFormatError(
            f'{where}: box [l t w h] = {box} is empty inside the '
            f'{width}x{height} image')
    return [x1, y1, x2 - x1, y2 - y1]


def categories() -> List[dict]:
    return [dict(id=i + 1, name=name, supercategory=name)
            for i, name in enumerate(CLASSES)]


def image_record(image_id: int, file_name: str, width: int, height: int,
                 record: dict) -> dict:
    return dict(id=image_id, file_name=file_name, width=int(width),
                height=int(height), light=record['light'],
                light_name=LIGHTING[record['light'] - 1],
                indoor=record['indoor'], image_class=record['label'],
                official_split=SPLITS[record['split']])


def _report(problems: List[str], what: str, limit: int = 10) -> None:
    if problems:
        print(f'warning: {len(problems)} {what}:', file=sys.stderr)
        for line in problems[:limit]:
            print(f'  {line}', file=sys.stderr)
        if len(problems) > limit:
            print(f'  ... and {len(problems) - limit} more', file=sys.stderr)


def convert_official(class_list: 'OrderedDict[str, dict]', ann_dir: str,
                     img_dir: str, allow_missing: bool,
                     skip_invalid: bool) -> Dict[str, dict]:
    """bbGt txt files -> {split name: coco dict}."""
    txts = index_files(ann_dir, ('.txt', ))
    images = index_files(img_dir, IMG_EXTENSIONS)
    outputs = {name: dict(images=[], annotations=[], categories=categories())
               for name in SPLITS.values()}
    missing, skipped, clipped = [], [], 0
    ann_id = 0
    for image_id, (key, record) in enumerate(class_list.items(), 1):
        if key not in txts or key not in images:
            what = 'annotation' if key not in txts else 'image file'
            missing.append(f'{record["name"]}: no {what}')
            continue
        width, height = image_size(osp.join(img_dir, images[key]))
        coco = outputs[SPLITS[record['split']]]
        coco['images'].append(
            image_record(image_id, images[key], width, height, record))
        txt = osp.join(ann_dir, txts[key])
        for label, box, lineno in parse_bbgt(txt):
            try:
                fixed = check_box(box, width, height, f'{txt}:{lineno}')
            except ExDarkFormatError as error:
                if not skip_invalid:
                    raise ExDarkFormatError(
                        f'{error}. Fix: correct the line, or pass '
                        '--on-invalid skip to leave such boxes out (each is '
                        'reported).') from None
                skipped.append(str(error))
                continue
            clipped += fixed != box
            ann_id += 1
            coco['annotations'].append(
                dict(id=ann_id, image_id=image_id, category_id=label + 1,
                     bbox=fixed, area=fixed[2] * fixed[3], iscrowd=0))
    if missing and not allow_missing:
        _report(missing, 'listed images cannot be converted')
        raise ExDarkFormatError(
            f'{len(missing)} of {len(class_list)} images of the class list '
            f'have no annotation file under {ann_dir} or no image under '
            f'{img_dir} (first: {missing[0]}). Fix: point --ann-dir/--img-dir '
            'at the unpacked ExDark_Annno/ and ExDark/, or pass '
            '--allow-missing to convert only the images present.')
    _report(missing, 'listed images left out (--allow-missing)')
    _report(skipped, 'invalid boxes left out (--on-invalid skip)')
    if clipped:
        print(f'note: {clipped} boxes were clipped to their image.')
    return outputs


def import_coco(path: str, class_list: 'OrderedDict[str, dict]',
                img_dir: Optional[str]) -> dict:
    """Rewrite a COCO-format ExDark json (any category ids) for
    ExDarkDataset."""
    with open(path) as f:
        coco = json.load(f)
    for field in ('images', 'annotations', 'categories'):
        if field not in coco:
            raise ExDarkFormatError(f'{path}: no "{field}" list; is this a '
                                    'COCO json?')
    lookup = {name.lower(): i + 1 for i, name in enumerate(CLASSES)}
    cat_map = {}
    for cat in coco['categories']:
        new_id = lookup.get(str(cat.get('name', '')).lower())
        if new_id is None:
            raise ExDarkFormatError(
                f'{path}: category {cat} is not an ExDark class '
                f'({", ".join(CLASSES)})')
        cat_map[cat['id']] = new_id
    images = index_files(img_dir, IMG_EXTENSIONS) if img_dir else {}
    unknown = []
    renamed = 0
    new_images = []
    for img in coco['images']:
        key = _key(img['file_name'])
        record = class_list.get(key)
        if record is None:
            unknown.append(img['file_name'])
            continue
        if img_dir:
            if key not in images:
                raise ExDarkFormatError(
                    f'{path}: image {img["file_name"]} (id {img["id"]}) is '
                    f'not under --img-dir {img_dir}')
            file_name = images[key]
        else:
            file_name = record['name']
        renamed += file_name != img['file_name']
        new = image_record(img['id'], file_name, img['width'],
                           img['height'], record)
        new_images.append(new)
    if unknown:
        raise ExDarkFormatError(
            f'{path}: {len(unknown)} images are not in the class list, e.g. '
            f'{unknown[:3]}. Fix: pass the official imageclasslist.txt.')
    new_annotations = []
    for ann in coco['annotations']:
        if ann['category_id'] not in cat_map:
            raise ExDarkFormatError(
                f'{path}: annotation id {ann.get("id")} has category_id '
                f'{ann["category_id"]}, which "categories" does not define')
        ann = dict(ann, category_id=cat_map[ann['category_id']])
        new_annotations.append(ann)
    print(f'{path}: {len(new_images)} images, {len(new_annotations)} '
          f'annotations; {renamed} file names changed to the official ones')
    return dict(
        info=dict(description=f'ExDark, imported from {osp.basename(path)}'),
        licenses=coco.get('licenses', []),
        images=new_images,
        annotations=new_annotations,
        categories=categories())


def write_json(coco: dict, path: str) -> None:
    """Write atomically: a crash leaves no half-written file."""
    with atomic_path(path) as tmp:
        with open(tmp, 'w') as f:
            json.dump(coco, f)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert ExDark annotations to COCO json')
    parser.add_argument('--class-list', required=True,
                        help='official Groundtruth/imageclasslist.txt')
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--ann-dir',
                        help='unpacked ExDark_Annno/ (bbGt txt files)')
    source.add_argument('--coco-json', nargs='+',
                        help='COCO-format ExDark json files to import')
    parser.add_argument('--img-dir',
                        help='unpacked ExDark/ images (needed with --ann-dir '
                        'for image sizes; optional with --coco-json)')
    parser.add_argument('--out-dir', required=True,
                        help='where to write the json files')
    parser.add_argument('--allow-missing', action='store_true',
                        help='convert only listed images that have both an '
                        'annotation file and an image (others reported)')
    parser.add_argument('--on-invalid', choices=['error', 'skip'],
                        default='error',
                        help='what to do with a box empty inside its image')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        class_list = read_class_list(args.class_list)
        outputs = {}
        if args.ann_dir:
            if not args.img_dir:
                raise ExDarkFormatError(
                    '--ann-dir needs --img-dir (the image sizes come from the '
                    'images).')
            for folder, flag in ((args.ann_dir, '--ann-dir'),
                                 (args.img_dir, '--img-dir')):
                if not osp.isdir(folder):
                    raise ExDarkFormatError(f'{flag} {folder}: no such folder')
            for split, coco in convert_official(
                    class_list, args.ann_dir, args.img_dir,
                    args.allow_missing, args.on_invalid == 'skip').items():
                outputs[f'exdark_{split}.json'] = coco
        else:
            for path in args.coco_json:
                if not osp.isfile(path):
                    raise ExDarkFormatError(f'--coco-json {path}: no such '
                                            'file')
                outputs[osp.basename(path)] = import_coco(
                    path, class_list, args.img_dir)
            if len(outputs) > 1:
                seen = Counter(img['file_name'] for coco in outputs.values()
                               for img in coco['images'])
                shared = sorted(name for name, n in seen.items() if n > 1)
                if shared:
                    print(f'warning: {len(shared)} images appear in more than '
                          f'one file (e.g. {shared[:3]}); they are kept as '
                          'released.', file=sys.stderr)
    except ExDarkFormatError as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    os.makedirs(args.out_dir, exist_ok=True)
    for name, coco in outputs.items():
        path = osp.join(args.out_dir, name)
        write_json(coco, path)
        lights = Counter(img['light_name'] for img in coco['images'])
        print(f'{path}: {len(coco["images"])} images, '
              f'{len(coco["annotations"])} boxes; lighting {dict(lights)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
