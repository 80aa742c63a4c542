"""Train small fast tokenizers shaped like LayoutLMv3's.

The released tokenizers cannot be downloaded everywhere; a model trained from
scratch (the tiny demo models, tests, benchmarks) can use one trained here
from the pages' own text:

* ``'bpe'``: a byte-level BPE like RoBERTa's (``microsoft/layoutlmv3-base``),
  saved as a ``RobertaTokenizerFast``;
* ``'unigram'``: a Unigram (SentencePiece-style) tokenizer like XLM-R's
  (``microsoft/layoutlmv3-base-chinese``), saved as an
  ``XLMRobertaTokenizerFast``.

Both have RoBERTa's special ids (``<s>`` 0, ``<pad>`` 1, ``</s>`` 2,
``<unk>`` 3, ``<mask>`` 4) and load with
``AutoTokenizer.from_pretrained(directory)``, i.e. with ``OCRTokenLoad``.
"""
from typing import Iterable

SPECIAL_TOKENS = ('<s>', '<pad>', '</s>', '<unk>', '<mask>')
TOKENIZER_KINDS = ('bpe', 'unigram')


def train_tokenizer(texts: Iterable[str],
                    out_dir: str,
                    kind: str = 'bpe',
                    vocab_size: int = 8000) -> str:
    """Train a tokenizer on ``texts`` and save it to ``out_dir``.

    Args:
        texts (Iterable[str]): Training text, e.g. OCR lines.
        out_dir (str): Directory written by ``save_pretrained``.
        kind (str): ``'bpe'`` (RoBERTa-like) or ``'unigram'`` (XLM-R-like).
        vocab_size (int): Target vocabulary size, special tokens included
            (a small corpus may yield fewer pieces).

    Returns:
        str: ``out_dir``.
    """
    from tokenizers import (Tokenizer, decoders, models, normalizers,
                            pre_tokenizers, processors, trainers)
    from transformers import RobertaTokenizerFast, XLMRobertaTokenizerFast

    if kind not in TOKENIZER_KINDS:
        raise ValueError(f'kind must be one of {TOKENIZER_KINDS}, got '
                         f'{kind!r}')
    if vocab_size <= len(SPECIAL_TOKENS):
        raise ValueError(f'vocab_size must exceed the {len(SPECIAL_TOKENS)} '
                         f'special tokens, got {vocab_size}')
    if kind == 'bpe':
        tokenizer = Tokenizer(models.BPE())
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(
            add_prefix_space=True)
        tokenizer.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size,
            special_tokens=list(SPECIAL_TOKENS),
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False)
    else:
        tokenizer = Tokenizer(models.Unigram())
        tokenizer.normalizer = normalizers.NFKC()
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
        tokenizer.decoder = decoders.Metaspace()
        trainer = trainers.UnigramTrainer(
            vocab_size=vocab_size,
            special_tokens=list(SPECIAL_TOKENS),
            unk_token='<unk>',
            show_progress=False)
    tokenizer.train_from_iterator(texts, trainer)
    if kind == 'bpe':
        tokenizer.post_processor = processors.RobertaProcessing(
            ('</s>', 2), ('<s>', 0), add_prefix_space=True)
        RobertaTokenizerFast(
            tokenizer_object=tokenizer,
            add_prefix_space=True).save_pretrained(out_dir)
    else:
        tokenizer.post_processor = processors.TemplateProcessing(
            single='<s> $A </s>',
            pair='<s> $A </s> </s> $B </s>',
            special_tokens=[('<s>', 0), ('</s>', 2)])
        XLMRobertaTokenizerFast(
            tokenizer_object=tokenizer).save_pretrained(out_dir)
    return out_dir
