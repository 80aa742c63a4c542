"""Per-class COCO AP of several tested models, side by side.

Reads the metrics that ``tools/test.py`` logged last in each work dir
(``<work_dir>/<timestamp>/<timestamp>.json``, the run's JSON log) and prints
a Markdown table: one row per class (``coco/<class>_precision``, AP@[.5:.95])
and the overall bbox mAP, AP50 and AP75, one column per model, plus the
difference of the first two.

Example::

    python tools/analysis_tools/compare_metrics.py \
        work_dirs/text work_dirs/image_only --names text-aware image-only
"""
import argparse
import glob
import json
import math
import os.path as osp
import sys
from typing import Dict, List

OVERALL = ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75')


def last_test_metrics(work_dir: str) -> Dict[str, float]:
    """The last record holding COCO metrics in the work dir's JSON logs."""
    logs = sorted(glob.glob(osp.join(work_dir, '*', '*.json')),
                  key=osp.getmtime)
    for path in reversed(logs):
        with open(path, encoding='utf-8') as f:
            records = [json.loads(line) for line in f if line.strip()]
        for record in reversed(records):
            if 'coco/bbox_mAP' in record:
                return {key[len('coco/'):]: value
                        for key, value in record.items()
                        if key.startswith('coco/')}
    raise FileNotFoundError(f'no COCO metrics logged in {work_dir}: run '
                            'tools/test.py with --work-dir there first')


def format_ap(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '-'
    return f'{100 * value:.1f}'


def table(metrics: List[Dict[str, float]], names: List[str]) -> str:
    classes = [key[:-len('_precision')] for key in metrics[0]
               if key.endswith('_precision')]
    header = '| class | ' + ' | '.join(names)
    header += ' | difference |' if len(names) >= 2 else ' |'
    rows = [header, '|---' * (len(names) + 1 + (len(names) >= 2)) + '|']
    for label, key in ([(c, f'{c}_precision') for c in classes] +
                       [(k, k) for k in OVERALL]):
        values = [m.get(key) for m in metrics]
        row = f'| {label} | ' + ' | '.join(map(format_ap, values)) + ' |'
        if len(values) >= 2:
            first, second = values[:2]
            valid = all(v is not None and not math.isnan(v)
                        for v in (first, second))
            row += (f' {100 * (first - second):+.1f} |' if valid else ' - |')
        rows.append(row)
    return '\n'.join(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('work_dirs', nargs='+')
    parser.add_argument('--names', nargs='+',
                        help='column names (default: the work dirs)')
    args = parser.parse_args(argv)
    names = args.names or args.work_dirs
    if len(names) != len(args.work_dirs):
        parser.error('give one name per work dir')
    print(table([last_test_metrics(d) for d in args.work_dirs], names))
    return 0


if __name__ == '__main__':
    sys.exit(main())
