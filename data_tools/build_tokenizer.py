"""Train a small fast tokenizer from the OCR JSON files of folders.

For models trained from scratch (the tiny demo configs) or wherever the
released LayoutLMv3 tokenizers are out of reach: the tokenizer learns its
vocabulary from the pages' own text lines. The output directory holds a
``tokenizer.json`` and loads with ``AutoTokenizer.from_pretrained(DIR)``;
set it as the ``tokenizer`` of ``OCRTokenLoad`` and give the backbone a
``vocab_size`` of at least the printed size.

Examples::

    python data_tools/build_tokenizer.py data/synth_cdla/train/ocr \
        --out data/synth_cdla/tokenizer --kind unigram --vocab-size 8000
    python data_tools/build_tokenizer.py ocr_a/ ocr_b/ --out tok --kind bpe
"""
import argparse
import glob
import os.path as osp
import sys
from typing import List

from tqdm import tqdm

from mmlayout.ocr import OCRFormatError, load_ocr_json
from mmlayout.utils import TOKENIZER_KINDS, get_tokenizer, train_tokenizer


def read_lines(folders: List[str]) -> List[str]:
    """Text lines of every ``*.json`` OCR file of the folders.

    Files that are not OCR JSON (e.g. a COCO file lying beside) are
    reported and skipped; an empty result raises.
    """
    paths = sorted(
        path for folder in folders
        for path in glob.glob(osp.join(folder, '*.json')))
    if not paths:
        raise FileNotFoundError(f'no *.json OCR files in {folders}')
    texts, skipped = [], []
    for path in tqdm(paths, desc='reading OCR files', unit='file'):
        try:
            _, _, lines = load_ocr_json(path)
        except OCRFormatError as error:
            skipped.append(f'{path}: {error}')
            continue
        texts.extend(line.text.strip() for line in lines if line.text.strip())
    for message in skipped:
        print(f'skipped {message}', file=sys.stderr)
    if not texts:
        raise ValueError(f'the {len(paths)} OCR files in {folders} hold no '
                         'text')
    print(f'{len(texts)} lines from {len(paths) - len(skipped)} files'
          f'{f", {len(skipped)} skipped" if skipped else ""}')
    return texts


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('folders', nargs='+', help='folders of OCR JSON')
    parser.add_argument('--out', required=True, help='output directory')
    parser.add_argument(
        '--kind', choices=TOKENIZER_KINDS, default='bpe',
        help="'bpe': byte-level BPE like RoBERTa (English); 'unigram': "
        'SentencePiece-style like XLM-R (Chinese, mixed)')
    parser.add_argument('--vocab-size', type=int, default=8000)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    texts = read_lines(args.folders)
    train_tokenizer(texts, args.out, args.kind, args.vocab_size)
    tokenizer = get_tokenizer(args.out)
    print(f'{args.kind} tokenizer with {len(tokenizer)} pieces written to '
          f'{args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
