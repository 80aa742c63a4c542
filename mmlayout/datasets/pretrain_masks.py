"""Random masks of LayoutLMv3 pre-training: word spans and patch blocks.

Both generators draw from a ``numpy.random.Generator`` given by the caller,
so a pipeline can draw fresh masks every time a page is seen, or the same
masks for a page every time (validation) by seeding it from the page.
"""
import math

import numpy as np


def span_mask_words(num_words: int, ratio: float, mean_span: float,
                    rng: np.random.Generator) -> np.ndarray:
    """Choose whole words to mask, in spans of Poisson-distributed length.

    ``round(ratio * num_words)`` words are masked. Span lengths are drawn
    from Poisson(``mean_span``) (zero-length draws are redrawn as 1) until
    they cover that many words, the last span cut to fit. The spans are
    laid out in random order with at least one unmasked word between two
    spans wherever the page has room, so every run of masked words is one
    span and the runs' mean length is the spans' (about ``mean_span``).

    Args:
        num_words (int): Words of the page W.
        ratio (float): Share of the words to mask, in ``[0, 1]``.
        mean_span (float): Poisson lambda of the span lengths (in words).
        rng (numpy.random.Generator): Source of randomness.

    Returns:
        np.ndarray: ``(W,)`` bool, True for masked words.
    """
    target = int(round(ratio * num_words))
    mask = np.zeros(num_words, dtype=bool)
    if target == 0:
        return mask
    lengths = []
    covered = 0
    while covered < target:
        length = max(int(rng.poisson(mean_span)), 1)
        length = min(length, target - covered)
        lengths.append(length)
        covered += length
    num_spans = len(lengths)
    # Unmasked words: one between neighbouring spans where possible, the
    # rest spread over the num_spans + 1 gaps uniformly (stars and bars).
    separators = min(num_spans - 1, num_words - target)
    spare = num_words - target - separators
    bars = np.sort(rng.choice(spare + num_spans, num_spans, replace=False))
    gaps = np.diff(np.concatenate([[-1], bars])) - 1  # words before each span
    gaps[1:1 + separators] += 1
    position = 0
    for gap, length in zip(gaps.tolist(), lengths):
        position += gap
        mask[position:position + length] = True
        position += length
    return mask


def block_mask_patches(grid_h: int,
                       grid_w: int,
                       ratio: float,
                       rng: np.random.Generator,
                       min_block: int = 16,
                       min_aspect: float = 0.3,
                       max_attempts: int = 10) -> np.ndarray:
    """BEiT-style blockwise masking of a patch grid.

    Rectangular blocks are added until ``round(ratio * grid_h * grid_w)``
    patches are masked: each block's area is uniform between ``min_block``
    and the patches still to mask, its aspect ratio log-uniform in
    ``[min_aspect, 1 / min_aspect]``, its place uniform; a block that adds
    no new patch or too many is redrawn, up to ``max_attempts`` times, after
    which masking stops (so the share can fall slightly short, as in BEiT).

    Args:
        grid_h (int): Patch rows of the image's valid area.
        grid_w (int): Patch columns of the image's valid area.
        ratio (float): Share of the patches to mask, in ``[0, 1]``.
        rng (numpy.random.Generator): Source of randomness.
        min_block (int): Smallest block area in patches. Defaults to 16.
        min_aspect (float): Smallest height / width ratio of a block.
            Defaults to 0.3.
        max_attempts (int): Draws per block before giving up.
            Defaults to 10.

    Returns:
        np.ndarray: ``(grid_h, grid_w)`` bool, True for masked patches.
    """
    mask = np.zeros((grid_h, grid_w), dtype=bool)
    target = int(round(ratio * grid_h * grid_w))
    log_aspects = (math.log(min_aspect), -math.log(min_aspect))
    masked = 0
    while masked < target:
        left_to_mask = target - masked
        for _ in range(max_attempts):
            area = rng.uniform(min(min_block, left_to_mask), left_to_mask)
            aspect = math.exp(rng.uniform(*log_aspects))
            height = int(round(math.sqrt(area * aspect)))
            width = int(round(math.sqrt(area / aspect)))
            if not (0 < height <= grid_h and 0 < width <= grid_w):
                continue
            top = int(rng.integers(0, grid_h - height + 1))
            left = int(rng.integers(0, grid_w - width + 1))
            block = mask[top:top + height, left:left + width]
            added = block.size - int(block.sum())
            if 0 < added <= left_to_mask:
                block[...] = True
                masked += added
                break
        else:
            break
    return mask
