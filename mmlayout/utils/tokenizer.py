"""The tokenizers of the text path: loading, word starts, training.

* :func:`get_tokenizer` loads a fast (Rust) tokenizer through
  ``AutoTokenizer`` once per process (each dataloader worker loads its own):
  a local directory written by ``save_pretrained`` or a Hugging Face hub
  name. :class:`~mmlayout.datasets.transforms.OCRTokenLoad` tokenises OCR
  lines with it (through :func:`get_backend_tokenizer`), the pre-trainer
  reads its ``<mask>`` and special ids.
* :func:`word_start_table` tells, per token id, whether a token begins a
  word (whole-word masking, word-patch alignment).
* :func:`train_tokenizer` trains a small tokenizer shaped like
  LayoutLMv3's on the pages' own text, for models trained from scratch or
  wherever the released tokenizers cannot be downloaded
  (``data_tools/build_tokenizer.py``, the tests, the benchmarks):

  * ``'bpe'``: a byte-level BPE like RoBERTa's
    (``microsoft/layoutlmv3-base``), saved as a ``RobertaTokenizerFast``;
  * ``'unigram'``: a Unigram (SentencePiece-style) tokenizer like XLM-R's
    (``microsoft/layoutlmv3-base-chinese``), saved as an
    ``XLMRobertaTokenizerFast``.

  Both have RoBERTa's special ids (``<s>`` 0, ``<pad>`` 1, ``</s>`` 2,
  ``<unk>`` 3, ``<mask>`` 4) and load with :func:`get_tokenizer`.

``transformers`` and ``tokenizers`` are imported on first use.
"""
import json
from typing import Dict, Iterable

import numpy as np

# Per-process caches: a tokenizer is loaded once in each dataloader worker.
_TOKENIZERS: Dict[str, object] = {}
_BACKENDS: Dict[str, object] = {}
_WORD_STARTS: Dict[str, np.ndarray] = {}

SPECIAL_TOKENS = ('<s>', '<pad>', '</s>', '<unk>', '<mask>')
TOKENIZER_KINDS = ('bpe', 'unigram')


def get_tokenizer(name_or_path: str):
    """Load a fast tokenizer through ``AutoTokenizer``, once per process.

    Args:
        name_or_path (str): A local directory written by ``save_pretrained``
            or a Hugging Face hub name such as ``'microsoft/layoutlmv3-base'``
            (English BPE) or ``'microsoft/layoutlmv3-base-chinese'``
            (XLM-R SentencePiece).

    Returns:
        transformers.PreTrainedTokenizerFast: The tokenizer, the same object
        on every call with the same ``name_or_path``.

    Raises:
        OSError: If it cannot be loaded (naming the config key and
            ``data_tools/build_tokenizer.py``).
        TypeError: If it is not a fast (Rust) tokenizer.
    """
    tokenizer = _TOKENIZERS.get(name_or_path)
    if tokenizer is None:
        from transformers import AutoTokenizer
        try:
            tokenizer = AutoTokenizer.from_pretrained(name_or_path)
        except (OSError, ValueError) as error:
            raise OSError(
                f'cannot load the tokenizer {name_or_path!r} (the config key '
                "`tokenizer`, or OCRTokenLoad's tokenizer=): it is not a "
                'local directory holding tokenizer.json and the Hugging Face '
                'hub is not reachable. Put a copy of the model\'s tokenizer '
                '(e.g. microsoft/layoutlmv3-base-chinese, saved with '
                'save_pretrained) in a folder and set `tokenizer` to it, or '
                'build one with data_tools/build_tokenizer.py for a model '
                f'trained from scratch. ({type(error).__name__}: {error})'
            ) from error
        if getattr(tokenizer, 'backend_tokenizer', None) is None:
            raise TypeError(f'tokenizer {name_or_path!r} loaded as '
                            f'{type(tokenizer).__name__}, which is not a fast '
                            '(Rust tokenizers) tokenizer; OCRTokenLoad needs '
                            'one (save it with tokenizer.json)')
        _TOKENIZERS[name_or_path] = tokenizer
    return tokenizer


def get_backend_tokenizer(name_or_path: str):
    """The Rust ``tokenizers.Tokenizer`` behind a fast tokenizer, with no
    truncation or padding (so that each OCR line is encoded whole), once
    per process.

    Args:
        name_or_path (str): As for :func:`get_tokenizer`.

    Returns:
        tokenizers.Tokenizer: Its ``encode_batch`` gives each text's ids
        without special tokens when called with
        ``add_special_tokens=False``.
    """
    encoder = _BACKENDS.get(name_or_path)
    if encoder is None:
        encoder = get_tokenizer(name_or_path).backend_tokenizer
        if encoder.truncation is not None or encoder.padding is not None:
            from tokenizers import Tokenizer
            encoder = Tokenizer.from_str(encoder.to_str())
            encoder.no_truncation()
            encoder.no_padding()
        _BACKENDS[name_or_path] = encoder
    return encoder


def word_start_table(name_or_path: str) -> np.ndarray:
    """Which token ids begin a word, per id of the tokenizer.

    Read from the vocabulary, once per tokenizer: with a WordPiece model
    every token but the ``##`` continuations begins a word; otherwise a
    token begins a word when it carries the word-boundary mark of a
    byte-level BPE (``Ġ``, RoBERTa) or SentencePiece (``▁``, XLM-R). The
    first token of a line always begins one (see
    :class:`~mmlayout.datasets.transforms.OCRTokenLoad`). Text without
    spaces (Chinese) makes a whole segment one word, as the tokenizer's own
    pre-tokenisation does.

    Args:
        name_or_path (str): As for :func:`get_tokenizer`.

    Returns:
        np.ndarray: ``(len(tokenizer),)`` bool.
    """
    table = _WORD_STARTS.get(name_or_path)
    if table is None:
        tokenizer = get_tokenizer(name_or_path)
        tokens = tokenizer.convert_ids_to_tokens(range(len(tokenizer)))
        model = json.loads(
            tokenizer.backend_tokenizer.to_str())['model'] or {}
        if model.get('type') == 'WordPiece':
            prefix = model.get('continuing_subword_prefix') or '##'
            table = np.array([not str(t).startswith(prefix) for t in tokens])
        else:
            table = np.array(
                [str(t).startswith(('\u0120', '\u2581')) for t in tokens])
        _WORD_STARTS[name_or_path] = table
    return table


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
