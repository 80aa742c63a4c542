"""PackLayoutInputs: PackDetInputs plus the page's text for the model."""
from typing import Tuple

import numpy as np
import torch
from mmengine.structures import InstanceData

from mmdet.datasets.transforms import PackDetInputs
from mmdet.registry import TRANSFORMS

# Pixels of slack when checking the recorded geometry against the image.
_TOLERANCE = 1.5
_SUPPORTED = (
    "text boxes follow the transforms that record 'homography_matrix' and "
    "keep the page a full, top-left anchored rectangle: mmdet's Resize "
    '(RandomResize, RandomChoiceResize, FixShapeResize, ...), RandomFlip and '
    "Pad (bottom/right). Crops, Expand, affine transforms, rotations, shears, "
    'translations, Mosaic/MixUp, and any transform that moves pixels without '
    "recording 'homography_matrix' (e.g. mmcv's own Resize or RandomFlip) "
    'are not supported')


#: Optional per-token arrays in ``results`` -> their field in
#: ``data_sample.text``.
TOKEN_FIELDS = {'text_word_index': 'word_ids', 'mlm_mask': 'mlm_mask'}


def _project(matrix: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Boxes enclosing the projected corners of ``(N, 4)`` boxes."""
    x0, y0, x1, y1 = boxes.T
    corners = np.stack([
        np.stack([x0, y0], 1), np.stack([x1, y0], 1),
        np.stack([x1, y1], 1), np.stack([x0, y1], 1)
    ], 1)  # (N, 4, 2)
    points = corners @ matrix[:2, :2].T + matrix[:2, 2]
    points = points / (corners @ matrix[2, :2] + matrix[2, 2])[..., None]
    return np.concatenate([points.min(1), points.max(1)], axis=1)


def _content_shape(results: dict, matrix: np.ndarray) -> Tuple[int, int]:
    """``(h, w)`` of the page content in the final image, after checking that
    the recorded geometry explains the image: otherwise the text boxes would
    silently land on the wrong pixels."""
    where = results.get('img_path', 'image')
    if results.get('flip', False):
        direction = results.get('flip_direction')
        need = {'horizontal': (True, False), 'vertical': (False, True),
                'diagonal': (True, True)}.get(direction)
        if need != (matrix[0, 0] < 0, matrix[1, 1] < 0):
            raise ValueError(
                f'{where}: the image was flipped ({direction}) but '
                "'homography_matrix' does not record that flip: " +
                _SUPPORTED)
    ori_h, ori_w = results['ori_shape'][:2]
    img_h, img_w = results['img_shape'][:2]
    x0, y0, x1, y1 = _project(matrix, np.array([[0, 0, ori_w, ori_h]],
                                               dtype=np.float64))[0]
    padded = 'pad_fixed_size' in results or 'pad_size_divisor' in results
    if padded:
        fits = x1 <= img_w + _TOLERANCE and y1 <= img_h + _TOLERANCE
    else:
        fits = (abs(x1 - img_w) <= _TOLERANCE
                and abs(y1 - img_h) <= _TOLERANCE)
    if not (fits and abs(x0) <= _TOLERANCE and abs(y0) <= _TOLERANCE):
        raise ValueError(
            f'{where}: the {ori_w}x{ori_h} original maps by the recorded '
            f"'homography_matrix' to [{x0:.1f}, {y0:.1f}, {x1:.1f}, "
            f'{y1:.1f}] but the image is now {img_w}x{img_h}' +
            (' (padded)' if padded else '') + '; ' + _SUPPORTED)
    return min(img_h, int(round(y1))), min(img_w, int(round(x1)))


@TRANSFORMS.register_module()
class PackLayoutInputs(PackDetInputs):
    """Pack image, annotations and the page's text for a layout detector.

    Does what :class:`mmdet.datasets.transforms.PackDetInputs` does, and puts
    the text of :class:`OCRTokenLoad` into the data sample:

    - ``data_sample.text`` (``InstanceData`` of length L):

      - ``input_ids``: ``(L,)`` long token ids, ``<s> ... </s>``.
      - ``bboxes``: ``(L, 4)`` long ``x0, y0, x1, y1`` on a 0-1000 grid of
        the page content in the final image (after every transform),
        ``[0, 0, 0, 0]`` for ``<s>``/``</s>``. Pixel ``x`` of the input is
        ``bboxes / 1000 * valid_shape[1]``.
      - ``word_ids``: ``(L,)`` long page-wide word number of each token,
        -1 for ``<s>``/``</s>`` (from ``text_word_index``, when present).
      - ``mlm_mask``: ``(L,)`` bool, tokens masked for masked language
        modelling (from :class:`PretrainMasking`, when present).
      - ``metainfo['pad_token_id']``: the tokenizer's padding id.

    - ``data_sample.mim_mask``: ``(h / 16, w / 16)`` bool patches of the
      page content masked for masked image modelling (from
      :class:`PretrainMasking`, when present).
    - ``data_sample.metainfo['valid_shape']``: ``(h, w)`` of the page content
      in the input image; it is ``img_shape`` unless a pipeline ``Pad``
      added rows/columns at the bottom/right.

    The line boxes (pixels of the OCR page) are scaled to the original image,
    then projected by ``results['homography_matrix']``, which mmdet's
    geometric transforms accumulate. Before that the recorded geometry is
    checked against the final image; a transform that moved pixels without
    recording it, or left the page content other than a full top-left
    rectangle (crop, rotation, ...), raises ``ValueError`` instead of
    misaligning text and image. Supported: ``Resize`` and its random
    variants, ``RandomFlip``, ``Pad``.

    Args:
        meta_keys (Sequence[str]): As for ``PackDetInputs``.
        max_aspect_mismatch (float): Largest relative difference between the
            OCR page's and the image's aspect ratios before the OCR file is
            taken for another image's. Defaults to 0.02.
    """

    def __init__(self,
                 meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                            'scale_factor', 'flip', 'flip_direction'),
                 max_aspect_mismatch: float = 0.02) -> None:
        super().__init__(meta_keys=meta_keys)
        self.max_aspect_mismatch = max_aspect_mismatch

    def _normalised_boxes(self, results: dict, matrix: np.ndarray,
                          valid_shape: Tuple[int, int]) -> np.ndarray:
        """``(N, 4)`` int64 line boxes on the 0-1000 grid of the content."""
        boxes = results['text_line_bboxes'].astype(np.float64)
        if len(boxes) == 0:
            return np.zeros((0, 4), dtype=np.int64)
        ocr_h, ocr_w = results['text_ocr_shape']
        ori_h, ori_w = results['ori_shape'][:2]
        scale_x, scale_y = ori_w / ocr_w, ori_h / ocr_h
        if abs(scale_x / scale_y - 1) > self.max_aspect_mismatch:
            raise ValueError(
                f'{results["text_ocr_path"]}: the OCR page is '
                f'{ocr_w:g}x{ocr_h:g} but image {results["img_path"]} is '
                f'{ori_w}x{ori_h}, another aspect ratio: is it the OCR of '
                'another image?')
        to_final = matrix @ np.diag([scale_x, scale_y, 1.0])
        boxes = _project(to_final, boxes)
        valid_h, valid_w = valid_shape
        boxes *= 1000 / np.array([valid_w, valid_h, valid_w, valid_h])
        return boxes.round().clip(0, 1000).astype(np.int64)

    def transform(self, results: dict) -> dict:
        """Pack the inputs, the data sample and its text.

        Args:
            results (dict): Result dict from the pipeline, with the keys of
                :class:`OCRTokenLoad`.

        Returns:
            dict: ``inputs`` (``(3, H, W)`` tensor) and ``data_samples``
            (``DetDataSample`` with ``text`` and ``valid_shape``).
        """
        if 'text_input_ids' not in results:
            raise KeyError(
                'PackLayoutInputs found no text in the results: put '
                'OCRTokenLoad in the pipeline before it (or use PackDetInputs '
                'for an image-only model)')
        if 'ori_shape' not in results or 'img_shape' not in results:
            raise KeyError('PackLayoutInputs needs ori_shape and img_shape: '
                           'load the image (LoadImageFromFile) in the '
                           'pipeline')
        packed = super().transform(results)
        matrix = results.get('homography_matrix')
        matrix = np.eye(3) if matrix is None else matrix.astype(np.float64)
        valid_shape = _content_shape(results, matrix)
        line_boxes = self._normalised_boxes(results, matrix, valid_shape)

        line_index = results['text_line_index']
        bboxes = np.zeros((len(line_index), 4), dtype=np.int64)
        is_text = line_index >= 0
        bboxes[is_text] = line_boxes[line_index[is_text]]

        data_sample = packed['data_samples']
        text = InstanceData(
            metainfo=dict(pad_token_id=results['text_pad_token_id']),
            input_ids=torch.from_numpy(results['text_input_ids']),
            bboxes=torch.from_numpy(bboxes))
        for key, field in TOKEN_FIELDS.items():
            if key in results:
                text.set_field(torch.from_numpy(results[key]), field)
        data_sample.text = text
        if 'mim_mask' in results:
            data_sample.mim_mask = torch.from_numpy(results['mim_mask'])
        data_sample.set_metainfo(dict(valid_shape=valid_shape))
        return packed

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(meta_keys={self.meta_keys}, '
                f'max_aspect_mismatch={self.max_aspect_mismatch})')
