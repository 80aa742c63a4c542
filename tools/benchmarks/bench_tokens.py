"""Time OCRTokenLoad on a dense Chinese page (two columns, ~120 lines).

Prints the median, 90th percentile and mean milliseconds per page (goal:
median < 5 ms), with the page's line and token counts. Without
``--tokenizer`` it trains a Unigram (SentencePiece-style, like XLM-R's)
tokenizer of ``--vocab-size`` pieces on generated Chinese text; pass a local
copy of ``microsoft/layoutlmv3-base-chinese`` to time the real one.

Example::

    python tools/benchmarks/bench_tokens.py --repeat 500
"""
import argparse
import os
import json
import os.path as osp
import random
import statistics
import tempfile
import time

# Frequent Chinese characters; lines are drawn from them with punctuation,
# digits and a few Latin words, like an academic page.
CHARS = ('的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对'
         '成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进'
         '着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去'
         '把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重'
         '新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月'
         '公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式'
         '活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论'
         '运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百'
         '规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己'
         '美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗'
         '完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界')
WORDS = ('CNN', 'Transformer', 'LayoutLMv3', 'PubLayNet', 'mAP', 'OCR')
PUNCT = '，，，、。；：'


def chinese_line(rng: random.Random, length: int) -> str:
    parts = []
    while sum(map(len, parts)) < length:
        r = rng.random()
        if r < 0.05:
            parts.append(rng.choice(WORDS))
        elif r < 0.10:
            parts.append(str(rng.randint(1, 2024)))
        elif r < 0.20:
            parts.append(rng.choice(PUNCT))
        else:
            parts.append(rng.choice(CHARS))
    return ''.join(parts)


def dense_page(rng: random.Random, num_lines: int) -> dict:
    """OCR JSON of an A4 page at 150 dpi: two columns of 24-34 characters."""
    width, height = 1240, 1754
    per_column = (num_lines + 1) // 2
    pitch = (height - 200) / per_column
    lines = []
    for i in range(num_lines):
        column, row = divmod(i, per_column)
        x0 = 90 + column * 560
        y0 = 100 + row * pitch
        text = chinese_line(rng, rng.randint(24, 34))
        lines.append(dict(text=text, box=[x0, y0, x0 + 520, y0 + 0.8 * pitch],
                          score=0.98))
    return dict(width=width, height=height, engine='bench', lines=lines)


def train_unigram(folder: str, vocab_size: int, rng: random.Random) -> str:
    from mmlayout.utils import train_tokenizer
    corpus = [chinese_line(rng, rng.randint(10, 60)) for _ in range(4000)]
    return train_tokenizer(corpus, osp.join(folder, 'tokenizer'), 'unigram',
                           vocab_size)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--tokenizer', help='tokenizer directory or hub name '
                        '(default: train a Chinese Unigram one)')
    parser.add_argument('--vocab-size', type=int, default=8000)
    parser.add_argument('--lines', type=int, default=120)
    parser.add_argument('--repeat', type=int, default=300)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--truncation', default='line_cap',
                        choices=['line_cap', 'tail'])
    return parser.parse_args()


def main():
    args = parse_args()
    from mmlayout.datasets.transforms import OCRTokenLoad
    from mmlayout.utils import cpu_model_name

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        with open(osp.join(folder, 'page.json'), 'w', encoding='utf-8') as f:
            json.dump(dense_page(rng, args.lines), f, ensure_ascii=False)
        tokenizer = args.tokenizer or train_unigram(folder, args.vocab_size,
                                                    rng)
        transform = OCRTokenLoad(tokenizer=tokenizer,
                                 truncation=args.truncation)
        img_path = osp.join(folder, 'page.png')  # OCR file: page.json
        for _ in range(10):  # warm-up
            results = transform(dict(img_path=img_path))
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            results = transform(dict(img_path=img_path))
            times.append((time.perf_counter() - start) * 1000)

    times.sort()
    median = statistics.median(times)
    print(f'CPU: {cpu_model_name()} ({os.cpu_count()} cores)')
    trained = f'trained Chinese Unigram, vocab {args.vocab_size}'
    print(f'tokenizer: {args.tokenizer or trained}')
    print(f'page: {args.lines} lines, {len(results["text_input_ids"])} tokens '
          f'kept ({len(results["text_line_bboxes"])} lines), '
          f'max_tokens {transform.max_tokens}, truncation '
          f'{args.truncation!r}')
    print(f'OCRTokenLoad, {args.repeat} runs: median {median:.2f} ms/page, '
          f'p90 {times[int(0.9 * len(times))]:.2f} ms, '
          f'mean {statistics.fmean(times):.2f} ms')
    print(f'goal < 5 ms per page: {"met" if median < 5 else "NOT met"}')


if __name__ == '__main__':
    main()
