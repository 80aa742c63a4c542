import numpy as np
import pytest
from helpers.ocr_pages import make_page
from helpers.tokenizers import english_bpe_tokenizer

from mmlayout.datasets.transforms import (OCRTokenLoad, PackLayoutInputs,
                                          PretrainMasking)

WORDS = ('layout analysis of scanned documents with tables figures and '
         'references').split()
LINES = [(' '.join(WORDS[i:i + 4]), (20, 20 + 30 * i, 380, 45 + 30 * i))
         for i in range(0, len(WORDS), 4)]


def _page(tmp_path, size=(400, 300)):
    img_path = make_page(str(tmp_path), 'page', size, LINES * 6)
    results = OCRTokenLoad(
        tokenizer=english_bpe_tokenizer(),
        ocr_root=str(tmp_path / 'ocr'))(dict(img_path=img_path))
    results.update(img_shape=(size[1], size[0]), ori_shape=(size[1],
                                                            size[0]))
    return results


def test_word_index_groups_sub_tokens(tmp_path):
    results = _page(tmp_path)
    word_index = results['text_word_index']
    assert word_index[0] == word_index[-1] == -1
    inner = word_index[1:-1]
    assert (np.diff(inner) >= 0).all()  # increasing in reading order
    assert len(np.unique(inner)) == len(WORDS) * 6
    assert len(inner) > len(np.unique(inner))  # some words have sub-tokens


def test_masks_whole_words_never_specials(tmp_path):
    results = PretrainMasking()(_page(tmp_path))
    mlm, word_index = results['mlm_mask'], results['text_word_index']
    assert mlm.dtype == bool and mlm.shape == word_index.shape
    assert not mlm[0] and not mlm[-1]
    for word in np.unique(word_index[1:-1]):
        assert len(set(mlm[word_index == word].tolist())) == 1
    masked_words = len(np.unique(word_index[mlm]))
    assert masked_words == round(0.3 * len(WORDS) * 6)


def test_patch_grid_of_the_image(tmp_path):
    results = _page(tmp_path)
    results['img_shape'] = (250, 170)  # not multiples of 16
    results = PretrainMasking(image_ratio=0.4)(results)
    assert results['mim_mask'].shape == (16, 11)
    assert abs(results['mim_mask'].mean() - 0.4) < 0.1


def test_fresh_or_fixed_masks(tmp_path):
    page = _page(tmp_path)
    page['img_path'] = 'a/page.png'
    fresh = [PretrainMasking()(dict(page))['mim_mask'] for _ in range(3)]
    assert not all((m == fresh[0]).all() for m in fresh[1:])
    fixed = [PretrainMasking(fixed=True)(dict(page)) for _ in range(2)]
    assert (fixed[0]['mim_mask'] == fixed[1]['mim_mask']).all()
    assert (fixed[0]['mlm_mask'] == fixed[1]['mlm_mask']).all()
    other = PretrainMasking(fixed=True)(dict(page, img_path='b/page.png'))
    assert not (other['mim_mask'] == fixed[0]['mim_mask']).all()


def test_packed_into_the_data_sample(tmp_path):
    results = PretrainMasking()(_page(tmp_path))
    results['img'] = np.zeros((300, 400, 3), dtype=np.uint8)
    sample = PackLayoutInputs()(results)['data_samples']
    assert sample.text.mlm_mask.tolist() == results['mlm_mask'].tolist()
    assert sample.text.word_ids.tolist() == results[
        'text_word_index'].tolist()
    assert sample.mim_mask.shape == (19, 25)


def test_errors():
    with pytest.raises(KeyError, match='after OCRTokenLoad'):
        PretrainMasking()(dict(img_shape=(32, 32)))
    with pytest.raises(ValueError, match='text_ratio'):
        PretrainMasking(text_ratio=1.5)
    with pytest.raises(ValueError, match='min_aspect'):
        PretrainMasking(min_aspect=0)
