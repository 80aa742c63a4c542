import os.path as osp

import numpy as np
import pytest
from helpers.tokenizers import chinese_unigram_tokenizer, english_bpe_tokenizer

from mmlayout.utils import (SPECIAL_TOKENS, get_backend_tokenizer,
                            get_tokenizer, train_tokenizer, word_start_table)


@pytest.mark.parametrize('trained', [english_bpe_tokenizer,
                                     chinese_unigram_tokenizer])
def test_trained_tokenizers_have_robertas_special_ids(trained):
    tokenizer = get_tokenizer(trained())
    assert tokenizer.convert_ids_to_tokens(range(5)) == list(SPECIAL_TOKENS)
    assert (tokenizer.cls_token_id, tokenizer.pad_token_id,
            tokenizer.sep_token_id, tokenizer.unk_token_id,
            tokenizer.mask_token_id) == (0, 1, 2, 3, 4)
    ids = tokenizer('a page', add_special_tokens=True)['input_ids']
    assert ids[0] == 0 and ids[-1] == 2 and len(ids) > 2


def test_train_tokenizer_arguments(tmp_path):
    with pytest.raises(ValueError, match='kind must be one of'):
        train_tokenizer(['a b c'], str(tmp_path), kind='wordpiece')
    with pytest.raises(ValueError, match='must exceed the 5 special'):
        train_tokenizer(['a b c'], str(tmp_path), vocab_size=5)


def test_loaded_once_per_process():
    path = english_bpe_tokenizer()
    assert get_tokenizer(path) is get_tokenizer(path)
    assert get_backend_tokenizer(path) is get_backend_tokenizer(path)


def test_backend_never_truncates_or_pads(tmp_path):
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer.from_file(
        osp.join(english_bpe_tokenizer(), 'tokenizer.json'))
    backend.enable_truncation(max_length=4)
    backend.enable_padding(length=30)
    PreTrainedTokenizerFast(
        tokenizer_object=backend, bos_token='<s>', eos_token='</s>',
        pad_token='<pad>').save_pretrained(str(tmp_path))
    encoder = get_backend_tokenizer(str(tmp_path))
    assert encoder.truncation is None and encoder.padding is None
    text = 'Deep learning for document layout analysis.'
    ids = encoder.encode_batch([text], add_special_tokens=False)[0].ids
    assert ids == get_tokenizer(english_bpe_tokenizer())(
        text, add_special_tokens=False)['input_ids']
    # the loaded tokenizer itself is left as saved
    assert get_tokenizer(str(tmp_path)).backend_tokenizer.truncation


def test_missing_tokenizer(tmp_path):
    with pytest.raises(OSError, match='cannot load the tokenizer') as error:
        get_tokenizer(str(tmp_path / 'no_tokenizer_here'))
    assert 'build_tokenizer.py' in str(error.value)


@pytest.mark.parametrize('trained, text, num_words', [
    (english_bpe_tokenizer, 'layout analysis of scanned documents', 5),
    (chinese_unigram_tokenizer, '文档版面 分析是文档 理解', 3),
])
def test_word_starts_of_bpe_and_unigram(trained, text, num_words):
    """One word start per space-separated word (Chinese: per segment)."""
    tokenizer = get_tokenizer(trained())
    table = word_start_table(trained())
    assert table.dtype == bool and table.shape == (len(tokenizer), )
    ids = tokenizer(text, add_special_tokens=False)['input_ids']
    assert len(ids) > num_words  # some words have sub-tokens
    assert table[ids].sum() == num_words and table[ids[0]]
    assert word_start_table(trained()) is table


def test_word_starts_of_wordpiece(tmp_path):
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import BertTokenizerFast

    vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'lay', '##out', 'page',
             '##s', 'of']
    backend = Tokenizer(models.WordPiece(
        {token: i for i, token in enumerate(vocab)}, unk_token='[UNK]'))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    BertTokenizerFast(tokenizer_object=backend).save_pretrained(
        str(tmp_path))
    tokenizer = get_tokenizer(str(tmp_path))
    table = word_start_table(str(tmp_path))
    assert table.shape == (len(tokenizer), )  # [MASK] added by BERT's
    np.testing.assert_array_equal(
        table[:len(vocab)], [not token.startswith('##') for token in vocab])
    ids = tokenizer('layout of pages', add_special_tokens=False)['input_ids']
    assert ids == [4, 5, 8, 6, 7] and table[ids].sum() == 3
