"""How much of each page's text reaches the model: OCRTokenLoad coverage.

For every OCR JSON file of the folders, runs ``OCRTokenLoad`` under each
truncation setting and reports the fraction of the OCR lines that keep at
least one token, the share of pages that lose lines, and the tokens used
per page (of ``--max-tokens``, ``<s>``/``</s>`` included).

Without ``--tokenizer`` a tokenizer is trained on the folders' own text
(``--kind bpe``: RoBERTa-style byte-level BPE; ``unigram``: XLM-R-style)
into a temporary directory.

Example::

    python tools/analysis_tools/token_coverage.py data/docbank/ocr \
        --kind bpe --vocab-size 8000
"""
import argparse
import glob
import os.path as osp
import sys
import tempfile
from typing import Dict, List

import numpy as np
from tqdm import tqdm

from mmlayout.datasets.transforms import OCRTokenLoad
from mmlayout.ocr import load_ocr_json
from mmlayout.utils import TOKENIZER_KINDS, train_tokenizer

#: name -> OCRTokenLoad arguments of the settings compared by default.
SETTINGS = {
    'untruncated (all text)': dict(max_tokens=10**9),
    'tail': dict(truncation='tail'),
    'tail, 3 tokens/line': dict(truncation='tail', max_tokens_per_line=3),
    'line_cap (default)': dict(truncation='line_cap'),
}


def coverage(paths: List[str], tokenizer: str, max_tokens: int,
             options: Dict) -> Dict[str, np.ndarray]:
    """Per-page figures of one OCRTokenLoad setting over OCR files.

    Returns:
        dict[str, np.ndarray]: ``lines`` (non-empty OCR lines),
        ``kept_lines`` (lines keeping at least one token) and ``tokens``
        (sequence length, ``<s>``/``</s>`` included), one entry per page.
    """
    # without ocr_root, the OCR file of an image is <image path>.json
    transform = OCRTokenLoad(
        tokenizer=tokenizer, **{'max_tokens': max_tokens, **options})
    figures = dict(lines=[], kept_lines=[], tokens=[])
    for path in paths:
        results = transform(dict(img_path=osp.splitext(path)[0] + '.png'))
        _, _, lines = load_ocr_json(path)
        figures['lines'].append(sum(1 for line in lines if line.text.strip()))
        figures['kept_lines'].append(len(results['text_line_bboxes']))
        figures['tokens'].append(len(results['text_input_ids']))
    return {key: np.array(value) for key, value in figures.items()}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('folders', nargs='+', help='folders of OCR JSON')
    parser.add_argument('--tokenizer', help='tokenizer directory or hub name')
    parser.add_argument('--kind', choices=TOKENIZER_KINDS, default='bpe',
                        help='kind of tokenizer to train without '
                        '--tokenizer')
    parser.add_argument('--vocab-size', type=int, default=8000)
    parser.add_argument('--max-tokens', type=int, default=512)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    paths = sorted(path for folder in args.folders
                   for path in glob.glob(osp.join(folder, '*.json')))
    if not paths:
        print(f'no *.json files in {args.folders}', file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        tokenizer = args.tokenizer
        if tokenizer is None:
            texts = [line.text for path in paths
                     for line in load_ocr_json(path)[2]]
            tokenizer = train_tokenizer(texts, osp.join(folder, 'tokenizer'),
                                        args.kind, args.vocab_size)
            tokenizer_name = (f'{args.kind} trained on these pages, '
                              f'vocab {args.vocab_size}')
        else:
            tokenizer_name = tokenizer
        print(f'{len(paths)} pages from {", ".join(args.folders)}; '
              f'tokenizer: {tokenizer_name}; max_tokens {args.max_tokens}')
        rows = {
            name: coverage(paths, tokenizer, args.max_tokens, options)
            for name, options in tqdm(SETTINGS.items(), desc='settings')
        }
    needed = rows['untruncated (all text)']['tokens']
    full = needed >= args.max_tokens
    lines = rows['untruncated (all text)']['lines']
    print(f'lines per page: mean {lines.mean():.1f}, max {lines.max()}; '
          f'tokens of all the text per page: mean {needed.mean():.0f}, max '
          f'{needed.max()}; {full.sum()} pages hold >= {args.max_tokens}')
    print('| setting | lines kept | mean per page | pages losing lines | '
          'tokens/page (mean) | tokens/page on the full pages (mean, min) |')
    print('|---|---|---|---|---|---|')
    for name, row in rows.items():
        kept, tokens = row['kept_lines'], row['tokens']
        on_full = (f'{tokens[full].mean():.0f}, {tokens[full].min()}'
                   if full.any() else '-')
        print(f'| {name} | {100 * kept.sum() / max(lines.sum(), 1):.1f} % | '
              f'{100 * np.mean(kept / np.maximum(lines, 1)):.1f} % | '
              f'{100 * np.mean(kept < lines):.0f} % | '
              f'{tokens.mean():.0f} | {on_full} |')
    return 0


if __name__ == '__main__':
    sys.exit(main())
