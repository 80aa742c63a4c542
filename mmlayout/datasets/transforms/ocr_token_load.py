"""OCRTokenLoad: a page's OCR JSON -> token ids and their line boxes."""
import os.path as osp
from itertools import chain
from typing import List, Optional, Tuple

import numpy as np
from mmcv.transforms import BaseTransform

from mmdet.registry import TRANSFORMS
from mmlayout.ocr import OCRLine, load_ocr_json, reading_order
from mmlayout.utils import (get_backend_tokenizer, get_tokenizer,
                            word_start_table)


def fit_lines_to_budget(counts: np.ndarray, budget: int) -> np.ndarray:
    """Tokens to keep of each line so that every line keeps some text.

    All lines fit: all tokens are kept. Otherwise every line is cut to the
    same cap, the largest whose total fits (lines shorter than the cap keep
    all their tokens), and the budget left over - fewer tokens than there
    are lines longer than the cap - goes as one more token to the first of
    those lines, so the whole budget is used. Only when even one token per
    line does not fit are whole lines dropped: ``budget`` lines spread
    evenly over the reading order (first and last included) keep one token
    each, so no part of the page loses all its text.

    Args:
        counts (np.ndarray): ``(N,)`` tokens of each line in reading order,
            each >= 1.
        budget (int): Tokens available for all lines together (>= 0).

    Returns:
        np.ndarray: ``(N,)`` int64 tokens to keep of each line (0 for a
        dropped line); the sum is ``min(counts.sum(), budget)``.
    """
    counts = np.asarray(counts, dtype=np.int64)
    num_lines = len(counts)
    if counts.sum() <= budget:
        return counts.copy()
    if num_lines > budget:
        keep = np.zeros(num_lines, dtype=np.int64)
        spread = np.linspace(0, num_lines - 1, budget).round().astype(int)
        keep[spread] = 1
        return keep
    # used(cap) = sum(min(counts, cap)) for every cap, from sorted counts
    ascending = np.sort(counts)
    below = np.concatenate([[0], np.cumsum(ascending)])
    caps = np.arange(1, min(int(ascending[-1]), budget) + 1)
    shorter = np.searchsorted(ascending, caps, side='left')
    used = below[shorter] + caps * (num_lines - shorter)
    cap = int(caps[np.searchsorted(used, budget, side='right') - 1])
    keep = np.minimum(counts, cap)
    leftover = budget - int(keep.sum())
    keep[np.flatnonzero(counts > cap)[:leftover]] += 1
    return keep


def keep_leading_lines(counts: np.ndarray, budget: int) -> np.ndarray:
    """Tokens to keep of each line: whole lines in reading order while they
    fit, nothing of the first line that does not fit and of all after it
    (a first line longer than the whole budget is cut to it).

    Args:
        counts (np.ndarray): ``(N,)`` tokens of each line, each >= 1.
        budget (int): Tokens available for all lines together.

    Returns:
        np.ndarray: ``(N,)`` int64 tokens to keep of each line.
    """
    counts = np.asarray(counts, dtype=np.int64)
    keep = np.where(np.cumsum(counts) <= budget, counts, 0)
    if len(counts) and keep[0] == 0:
        keep[0] = budget
    return keep


#: What ``OCRTokenLoad`` does when a page's lines exceed the budget.
TRUNCATIONS = {'line_cap': fit_lines_to_budget, 'tail': keep_leading_lines}


@TRANSFORMS.register_module()
class OCRTokenLoad(BaseTransform):
    """Load a page's OCR lines as model tokens with segment-level boxes.

    The OCR file is ``<ocr_root>/<image stem>.json``, or, without
    ``ocr_root``, the image path with its extension replaced by ``.json``
    (format: :mod:`mmlayout.ocr.ocr_json`). Line texts are stripped and
    empty lines dropped; line boxes are made well-formed (corners sorted)
    and clipped to the OCR page; lines are put in reading order
    (:func:`mmlayout.ocr.reading_order`) and tokenised without special
    tokens by batched calls of the fast tokenizer. Every token keeps its
    line's box. ``<s>`` and ``</s>`` enclose the sequence.

    When a page has more tokens than ``max_tokens``, the default
    ``truncation='line_cap'`` keeps text of every line: each line is cut to
    the same cap, the largest that fits (see :func:`fit_lines_to_budget`),
    so the budget is used and the bottom of the page, the last column, the
    footers and references keep their words. Only when even one token per
    line does not fit are whole lines dropped, evenly spread over the page.
    ``truncation='tail'`` keeps whole lines in reading order and drops the
    rest of the page (only a first line longer than the whole budget is
    cut). A missing file raises, or with ``on_missing='empty'`` gives the
    same as a page without text: just ``<s></s>``.

    Boxes stay in pixels of the OCR page here; :class:`PackLayoutInputs`
    maps them through the geometric transforms recorded in
    ``homography_matrix`` and normalises them to 0-1000 of the final image.

    Required Keys:

    - img_path (unless ``ocr_lines`` is given)

    Optional Keys:

    - ocr_lines (list[OCRLine]): The page's lines, given instead of the OCR
      file (e.g. by :class:`mmlayout.apis.LayoutInferencer`: a PDF text
      layer, or OCR run on the fly).
    - ocr_shape (tuple): ``(height, width)`` of the page the ``ocr_lines``
      boxes are in pixels of; needed with ``ocr_lines``.

    Added Keys:

    - text_input_ids (np.int64): ``(L,)`` token ids, ``<s> ... </s>``.
    - text_line_index (np.int64): ``(L,)`` index of each token's line in
      ``text_line_bboxes``; -1 for ``<s>`` and ``</s>``.
    - text_word_index (np.int64): ``(L,)`` page-wide number of each
      token's word, increasing in reading order (the sub-tokens of a word
      share it; see :func:`mmlayout.utils.word_start_table`); -1 for
      ``<s>`` and ``</s>``.
    - text_line_bboxes (np.float32): ``(N, 4)`` boxes ``x0, y0, x1, y1`` of
      the N kept lines in reading order, pixels of the OCR page.
    - text_ocr_shape (tuple): ``(height, width)`` of the OCR page, None when
      the OCR file is missing.
    - text_ocr_path (str): The OCR file (None with ``ocr_lines``).
    - text_pad_token_id (int): The tokenizer's padding id.

    Args:
        tokenizer (str): Local directory or hub name of the model's
            tokenizer, loaded with :func:`mmlayout.utils.get_tokenizer`
            (``AutoTokenizer``; must be fast).
        ocr_root (str, optional): Folder of the OCR JSON files; ``{img_dir}``
            in it stands for the image's folder (e.g. ``'{img_dir}/../ocr'``
            for ``<split>/images`` beside ``<split>/ocr``, the layout of
            ``synth_docs.py``). Defaults to None: beside the images.
        max_tokens (int): Length limit including ``<s>`` and ``</s>``.
            Defaults to 512.
        max_tokens_per_line (int, optional): Keep at most this many tokens of
            each line, before truncation. Defaults to None (no limit).
        truncation (str): ``'line_cap'`` (default) or ``'tail'``, see above.
        on_missing (str): ``'error'`` (default) or ``'empty'`` when the OCR
            file does not exist.
        min_column_gap (float): Narrowest gutter between columns for the
            reading order, as a fraction of the page width. Defaults to 0.01.
    """

    def __init__(self,
                 tokenizer: str,
                 ocr_root: Optional[str] = None,
                 max_tokens: int = 512,
                 max_tokens_per_line: Optional[int] = None,
                 truncation: str = 'line_cap',
                 on_missing: str = 'error',
                 min_column_gap: float = 0.01) -> None:
        if not tokenizer:
            raise ValueError(
                'OCRTokenLoad needs a tokenizer: set the config key '
                '`tokenizer` (tools/train.py and tools/test.py copy it into '
                'every OCRTokenLoad) or tokenizer= of the transform')
        if max_tokens < 2:
            raise ValueError(f'max_tokens must be >= 2 (for <s> and </s>), '
                             f'got {max_tokens}')
        if max_tokens_per_line is not None and max_tokens_per_line < 1:
            raise ValueError('max_tokens_per_line must be None or >= 1, got '
                             f'{max_tokens_per_line}')
        if truncation not in TRUNCATIONS:
            raise ValueError(f'truncation must be one of {list(TRUNCATIONS)}'
                             f', got {truncation!r}')
        if on_missing not in ('error', 'empty'):
            raise ValueError("on_missing must be 'error' or 'empty', got "
                             f'{on_missing!r}')
        self.tokenizer = tokenizer
        self.ocr_root = ocr_root
        self.max_tokens = max_tokens
        self.max_tokens_per_line = max_tokens_per_line
        self.truncation = truncation
        self.on_missing = on_missing
        self.min_column_gap = min_column_gap

        tok = get_tokenizer(tokenizer)
        self.start_id = self._special_id(tok, 'cls_token_id', 'bos_token_id')
        self.end_id = self._special_id(tok, 'sep_token_id', 'eos_token_id')
        self.pad_id = self._special_id(tok, 'pad_token_id')

    def _special_id(self, tok, *names: str) -> int:
        for name in names:
            value = getattr(tok, name, None)
            if value is not None:
                return int(value)
        raise ValueError(f'tokenizer {self.tokenizer!r} has none of '
                         f'{", ".join(names)}')

    def ocr_path(self, img_path: str) -> str:
        """The OCR JSON file of an image."""
        if self.ocr_root is None:
            return osp.splitext(img_path)[0] + '.json'
        stem = osp.splitext(osp.basename(img_path))[0]
        root = self.ocr_root.replace('{img_dir}', osp.dirname(img_path))
        return osp.normpath(osp.join(root, stem + '.json'))

    def _encode_in_order(self, texts: List[str],
                         order: np.ndarray) -> List[List[int]]:
        """Token ids of the lines in reading order, without special tokens.

        Lines are encoded in batched calls of the fast tokenizer. With
        ``truncation='line_cap'`` every line is needed (each keeps some
        text): one call encodes them all. With ``'tail'`` lines are encoded
        in reading order only until the budget is exceeded, since a dense
        page holds several times ``max_tokens``: the first batch is sized
        from a guess of the characters per token, later ones from what was
        measured, so a page takes one to three calls.

        Returns:
            list[list[int]]: Ids of the first lines of ``order`` (all of
            them, or enough to exceed the budget), each cut to
            ``max_tokens_per_line``.
        """
        encoder = get_backend_tokenizer(self.tokenizer)
        encode = getattr(encoder, 'encode_batch_fast', encoder.encode_batch)
        budget = self.max_tokens - 2
        chars = np.cumsum([0] + [len(texts[i]) for i in order.tolist()])
        ids: List[List[int]] = []
        start, total, chars_per_token = 0, 0, 1.0
        while start < len(order) and total <= budget:
            if self.truncation == 'tail':
                want = chars[start] + 1.25 * (budget + 1 -
                                              total) * chars_per_token
                end = min(len(order),
                          max(start + 1, int(np.searchsorted(chars, want))))
            else:
                end = len(order)
            batch = [enc.ids for enc in encode(
                [texts[i] for i in order[start:end].tolist()],
                add_special_tokens=False)]
            if self.max_tokens_per_line is not None:
                batch = [line[:self.max_tokens_per_line] for line in batch]
            ids.extend(batch)
            total += sum(map(len, batch))
            start = end
            chars_per_token = max(chars[start] / max(total, 1), 0.1)
        return ids

    def _page_lines(
            self, results: dict
    ) -> Tuple[List[OCRLine], Optional[Tuple[float, float]], Optional[str]]:
        """The page's lines, given in ``results`` or read from its OCR file.

        Returns:
            tuple: The lines, ``(height, width)`` of the page their boxes
            are in pixels of (None for a missing file with
            ``on_missing='empty'``) and the OCR file (None for given lines).
        """
        if 'ocr_lines' in results:
            if 'ocr_shape' not in results:
                raise KeyError("OCRTokenLoad: results with 'ocr_lines' need "
                               "'ocr_shape', the (height, width) of the "
                               'page the line boxes are in pixels of')
            return list(results['ocr_lines']), tuple(
                results['ocr_shape']), None
        if 'img_path' not in results:
            raise KeyError("OCRTokenLoad needs results['img_path'] to find "
                           "the OCR file, or results['ocr_lines']")
        path = self.ocr_path(results['img_path'])
        try:
            width, height, lines = load_ocr_json(path)
        except FileNotFoundError:
            if self.on_missing == 'error':
                raise FileNotFoundError(
                    f'OCR file {path} of image {results["img_path"]} does not '
                    'exist: run data_tools/ocr_images.py, check ocr_root, or '
                    "set on_missing='empty'") from None
            return [], None, path
        return lines, (height, width), path

    def transform(self, results: dict) -> dict:
        """Add the page's tokens and line boxes to ``results``.

        Args:
            results (dict): Needs ``img_path``, or ``ocr_lines`` and
                ``ocr_shape``.

        Returns:
            dict: ``results`` with the keys listed in the class docstring.
        """
        lines, ocr_shape, path = self._page_lines(results)
        height, width = ocr_shape if ocr_shape is not None else (1.0, 1.0)
        # Outer whitespace is no content (a BPE would make tokens of it).
        texts = [line.text.strip() for line in lines]
        lines = [line for line, text in zip(lines, texts) if text]
        texts = [text for text in texts if text]

        boxes = np.array([line.box for line in lines],
                         dtype=np.float64).reshape(-1, 4)
        boxes = np.concatenate(
            [np.minimum(boxes[:, :2], boxes[:, 2:]),
             np.maximum(boxes[:, :2], boxes[:, 2:])], axis=1)
        if ocr_shape is not None:
            boxes = boxes.clip(0, [width, height, width, height])

        order = reading_order(boxes, width, self.min_column_gap)
        encoded = [(line, tokens) for line, tokens in zip(
            order.tolist(), self._encode_in_order(texts, order)) if tokens]
        counts = np.fromiter((len(tokens) for _, tokens in encoded),
                             dtype=np.int64, count=len(encoded))
        keep = TRUNCATIONS[self.truncation](counts, self.max_tokens - 2)
        flat_ids = np.fromiter(
            chain.from_iterable(tokens for _, tokens in encoded),
            dtype=np.int64, count=int(counts.sum()))
        # position of every token within its line, kept if below the cap
        starts = np.cumsum(counts) - counts
        position = np.arange(len(flat_ids)) - np.repeat(starts, counts)
        kept_tokens = position < np.repeat(keep, counts)
        is_kept_line = keep > 0
        lines_in_order = np.fromiter((line for line, _ in encoded),
                                     dtype=np.int64, count=len(encoded))
        kept = lines_in_order[is_kept_line]

        total = int(keep.sum())
        input_ids = np.empty(total + 2, dtype=np.int64)
        input_ids[0], input_ids[-1] = self.start_id, self.end_id
        input_ids[1:-1] = flat_ids[kept_tokens]
        line_index = np.full(total + 2, -1, dtype=np.int64)
        line_index[1:-1] = np.repeat(np.arange(len(kept)), keep[is_kept_line])
        table = word_start_table(self.tokenizer)
        starts_word = table[input_ids[1:-1]]
        starts_word |= position[kept_tokens] == 0  # a line's first token
        word_index = np.full(total + 2, -1, dtype=np.int64)
        word_index[1:-1] = np.cumsum(starts_word) - 1

        results['text_input_ids'] = input_ids
        results['text_line_index'] = line_index
        results['text_word_index'] = word_index
        results['text_line_bboxes'] = boxes[kept].astype(np.float32)
        results['text_ocr_shape'] = ocr_shape
        results['text_ocr_path'] = path
        results['text_pad_token_id'] = self.pad_id
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(tokenizer={self.tokenizer!r}, '
                f'ocr_root={self.ocr_root!r}, max_tokens={self.max_tokens}, '
                f'max_tokens_per_line={self.max_tokens_per_line}, '
                f'truncation={self.truncation!r}, '
                f'on_missing={self.on_missing!r}, '
                f'min_column_gap={self.min_column_gap})')
