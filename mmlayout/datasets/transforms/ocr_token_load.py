"""OCRTokenLoad: a page's OCR JSON -> token ids and their line boxes."""
import os.path as osp
from itertools import chain
from typing import Dict, List, Optional

import numpy as np
from mmcv.transforms import BaseTransform

from mmdet.registry import TRANSFORMS
from mmlayout.ocr import load_ocr_json, reading_order

# Per-process caches: a tokenizer is loaded once in each dataloader worker.
_TOKENIZERS: Dict[str, object] = {}
_ENCODERS: Dict[str, object] = {}


def get_tokenizer(name_or_path: str):
    """Load a fast tokenizer through ``AutoTokenizer``, once per process.

    Args:
        name_or_path (str): A local directory written by ``save_pretrained``
            or a Hugging Face hub name such as ``'microsoft/layoutlmv3-base'``
            (English BPE) or ``'microsoft/layoutlmv3-base-chinese'``
            (XLM-R SentencePiece).
    """
    tokenizer = _TOKENIZERS.get(name_or_path)
    if tokenizer is None:
        from transformers import AutoTokenizer
        tokenizer = AutoTokenizer.from_pretrained(name_or_path)
        if getattr(tokenizer, 'backend_tokenizer', None) is None:
            raise TypeError(f'tokenizer {name_or_path!r} loaded as '
                            f'{type(tokenizer).__name__}, which is not a fast '
                            '(Rust tokenizers) tokenizer; OCRTokenLoad needs '
                            'one (save it with tokenizer.json)')
        _TOKENIZERS[name_or_path] = tokenizer
    return tokenizer


def _get_encoder(name_or_path: str):
    """The Rust ``tokenizers.Tokenizer`` behind a fast tokenizer, with no
    truncation or padding, so that each line is encoded whole."""
    encoder = _ENCODERS.get(name_or_path)
    if encoder is None:
        encoder = get_tokenizer(name_or_path).backend_tokenizer
        if encoder.truncation is not None or encoder.padding is not None:
            from tokenizers import Tokenizer
            encoder = Tokenizer.from_str(encoder.to_str())
            encoder.no_truncation()
            encoder.no_padding()
        _ENCODERS[name_or_path] = encoder
    return encoder


@TRANSFORMS.register_module()
class OCRTokenLoad(BaseTransform):
    """Load a page's OCR lines as model tokens with segment-level boxes.

    The OCR file is ``<ocr_root>/<image stem>.json``, or, without
    ``ocr_root``, the image path with its extension replaced by ``.json``
    (format: :mod:`mmlayout.ocr.ocr_json`). Line texts are stripped and
    empty lines dropped; line boxes are made well-formed (corners sorted)
    and clipped to the OCR page; lines are put in reading order
    (:func:`mmlayout.ocr.reading_order`) and tokenised without special
    tokens by batched calls of the fast tokenizer, in reading order and only
    as far as the budget needs. Every token keeps its line's box. ``<s>`` and
    ``</s>`` enclose the sequence; whole lines are dropped from the end of
    the reading order to fit ``max_tokens`` (only a first line longer than
    the whole budget is cut). A missing file raises, or with
    ``on_missing='empty'`` gives the same as a page without text: just
    ``<s></s>``.

    Boxes stay in pixels of the OCR page here; :class:`PackLayoutInputs`
    maps them through the geometric transforms recorded in
    ``homography_matrix`` and normalises them to 0-1000 of the final image.

    Required Keys:

    - img_path

    Added Keys:

    - text_input_ids (np.int64): ``(L,)`` token ids, ``<s> ... </s>``.
    - text_line_index (np.int64): ``(L,)`` index of each token's line in
      ``text_line_bboxes``; -1 for ``<s>`` and ``</s>``.
    - text_line_bboxes (np.float32): ``(N, 4)`` boxes ``x0, y0, x1, y1`` of
      the N kept lines in reading order, pixels of the OCR page.
    - text_ocr_shape (tuple): ``(height, width)`` of the OCR page, None when
      the OCR file is missing.
    - text_ocr_path (str): The OCR file.
    - text_pad_token_id (int): The tokenizer's padding id.

    Args:
        tokenizer (str): Local directory or hub name of the model's
            tokenizer, loaded with ``AutoTokenizer`` (must be fast).
        ocr_root (str, optional): Folder of the OCR JSON files. Defaults to
            None: beside the images.
        max_tokens (int): Length limit including ``<s>`` and ``</s>``.
            Defaults to 512.
        max_tokens_per_line (int, optional): Keep at most this many tokens of
            each line. Defaults to None (no limit).
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
                 on_missing: str = 'error',
                 min_column_gap: float = 0.01) -> None:
        if max_tokens < 2:
            raise ValueError(f'max_tokens must be >= 2 (for <s> and </s>), '
                             f'got {max_tokens}')
        if max_tokens_per_line is not None and max_tokens_per_line < 1:
            raise ValueError('max_tokens_per_line must be None or >= 1, got '
                             f'{max_tokens_per_line}')
        if on_missing not in ('error', 'empty'):
            raise ValueError("on_missing must be 'error' or 'empty', got "
                             f'{on_missing!r}')
        self.tokenizer = tokenizer
        self.ocr_root = ocr_root
        self.max_tokens = max_tokens
        self.max_tokens_per_line = max_tokens_per_line
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
        return osp.join(self.ocr_root, stem + '.json')

    def _encode_in_order(self, texts: List[str],
                         order: np.ndarray) -> List[List[int]]:
        """Token ids of the lines in reading order, without special tokens.

        Lines are encoded in batched calls of the fast tokenizer, in reading
        order, only until the token budget is exceeded: a dense page holds
        several times ``max_tokens``, and encoding all of it would be most of
        this transform's time. The first batch is sized from a guess of the
        characters per token, later ones from what was measured, so a page
        takes one to three calls.

        Returns:
            list[list[int]]: Ids of the first lines of ``order`` (all of
            them, or enough to exceed the budget), each cut to
            ``max_tokens_per_line``.
        """
        encoder = _get_encoder(self.tokenizer)
        encode = getattr(encoder, 'encode_batch_fast', encoder.encode_batch)
        budget = self.max_tokens - 2
        chars = np.cumsum([0] + [len(texts[i]) for i in order.tolist()])
        ids: List[List[int]] = []
        start, total, chars_per_token = 0, 0, 1.0
        while start < len(order) and total <= budget:
            want = chars[start] + 1.25 * (budget + 1 - total) * chars_per_token
            end = min(len(order),
                      max(start + 1, int(np.searchsorted(chars, want))))
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

    def transform(self, results: dict) -> dict:
        """Add the page's tokens and line boxes to ``results``.

        Args:
            results (dict): Needs ``img_path``.

        Returns:
            dict: ``results`` with the keys listed in the class docstring.
        """
        if 'img_path' not in results:
            raise KeyError("OCRTokenLoad needs results['img_path'] to find "
                           'the OCR file')
        path = self.ocr_path(results['img_path'])
        try:
            width, height, lines = load_ocr_json(path)
            ocr_shape = (height, width)
        except FileNotFoundError:
            if self.on_missing == 'error':
                raise FileNotFoundError(
                    f'OCR file {path} of image {results["img_path"]} does not '
                    'exist: run data_tools/ocr_images.py, check ocr_root, or '
                    "set on_missing='empty'") from None
            width, lines, ocr_shape = 1.0, [], None
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
        budget = self.max_tokens - 2
        encoded = [(line, tokens) for line, tokens in zip(
            order.tolist(), self._encode_in_order(texts, order)) if tokens]
        counts = np.fromiter((len(tokens) for _, tokens in encoded),
                             dtype=np.int64, count=len(encoded))
        n_kept = int(np.searchsorted(np.cumsum(counts), budget, side='right'))
        if n_kept == 0 and encoded:  # a first line longer than the budget
            encoded, n_kept = [(encoded[0][0], encoded[0][1][:budget])], 1
            counts[0] = budget
        kept = np.array([line for line, _ in encoded[:n_kept]],
                        dtype=np.int64)
        kept_counts = counts[:n_kept]

        total = int(kept_counts.sum())
        input_ids = np.empty(total + 2, dtype=np.int64)
        input_ids[0], input_ids[-1] = self.start_id, self.end_id
        input_ids[1:-1] = np.fromiter(
            chain.from_iterable(tokens for _, tokens in encoded[:n_kept]),
            dtype=np.int64,
            count=total)
        line_index = np.full(total + 2, -1, dtype=np.int64)
        line_index[1:-1] = np.repeat(np.arange(len(kept)), kept_counts)

        results['text_input_ids'] = input_ids
        results['text_line_index'] = line_index
        results['text_line_bboxes'] = boxes[kept].astype(np.float32)
        results['text_ocr_shape'] = ocr_shape
        results['text_ocr_path'] = path
        results['text_pad_token_id'] = self.pad_id
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(tokenizer={self.tokenizer!r}, '
                f'ocr_root={self.ocr_root!r}, max_tokens={self.max_tokens}, '
                f'max_tokens_per_line={self.max_tokens_per_line}, '
                f'on_missing={self.on_missing!r}, '
                f'min_column_gap={self.min_column_gap})')
