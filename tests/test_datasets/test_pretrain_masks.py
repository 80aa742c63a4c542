"""Statistics of the pre-training masks over many pages."""
import numpy as np
import pytest

from mmlayout.datasets.pretrain_masks import (block_mask_patches,
                                              span_mask_words)


def _runs(mask: np.ndarray) -> np.ndarray:
    """Lengths of the runs of True."""
    edges = np.diff(np.concatenate([[0], mask.astype(int), [0]]))
    return np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)


def test_word_spans_over_1000_pages():
    rng = np.random.default_rng(0)
    words = masked = 0
    runs = []
    for _ in range(1000):
        num_words = int(rng.integers(20, 400))
        mask = span_mask_words(num_words, 0.3, 3.0, rng)
        assert mask.sum() == round(0.3 * num_words)  # exact per page
        words += num_words
        masked += mask.sum()
        runs.append(_runs(mask))
    runs = np.concatenate(runs)
    assert abs(masked / words - 0.3) < 0.03
    # every run is one span: the mean is about lambda (zero draws are
    # redrawn as 1, the last span of a page is cut)
    assert 2.6 < runs.mean() < 3.4
    assert runs.max() >= 8  # a Poisson tail, not fixed-length spans


@pytest.mark.parametrize('num_words, expected', [(0, 0), (1, 0), (2, 1),
                                                 (4, 1), (10, 3)])
def test_word_spans_small_pages(num_words, expected):
    mask = span_mask_words(num_words, 0.3, 3.0, np.random.default_rng(1))
    assert mask.shape == (num_words, ) and mask.sum() == expected


def test_word_spans_everything_masked():
    mask = span_mask_words(50, 1.0, 3.0, np.random.default_rng(2))
    assert mask.all()


def test_blocks_over_1000_pages():
    rng = np.random.default_rng(0)
    patches = masked = 0
    for _ in range(1000):
        rows, cols = (int(v) for v in rng.integers(14, 60, 2))
        mask = block_mask_patches(rows, cols, 0.4, rng)
        assert mask.shape == (rows, cols)
        patches += mask.size
        masked += mask.sum()
    assert abs(masked / patches - 0.4) < 0.03


def test_blocks_are_blocks():
    """Masked patches come in rectangles of >= ~16 patches, not salt and
    pepper: few masked patches have no masked neighbour."""
    rng = np.random.default_rng(3)
    isolated = total = 0
    for _ in range(100):
        mask = block_mask_patches(14, 14, 0.4, rng)
        padded = np.pad(mask, 1)
        neighbours = (padded[:-2, 1:-1] | padded[2:, 1:-1]
                      | padded[1:-1, :-2] | padded[1:-1, 2:])
        isolated += (mask & ~neighbours).sum()
        total += mask.sum()
    assert isolated / total < 0.01


def test_blocks_on_a_grid_too_small_for_a_block():
    mask = block_mask_patches(2, 2, 0.4, np.random.default_rng(0))
    assert mask.sum() <= 2
