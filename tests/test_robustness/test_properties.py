"""Properties that hold for any input (hypothesis): the token path never
yields out-of-range ids or boxes, the reading order is a permutation, and
packed text boxes follow every resize and flip onto their lines."""
import numpy as np
import pytest
from helpers.tokenizers import english_bpe_tokenizer
from mmdet.registry import TRANSFORMS
from mmengine.dataset import Compose

from mmlayout.datasets.transforms import OCRTokenLoad
from mmlayout.ocr import OCRLine, reading_order

hypothesis = pytest.importorskip('hypothesis')
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SETTINGS = settings(max_examples=60, deadline=None)
coordinate = st.floats(min_value=-50, max_value=1200, allow_nan=False)
text = st.text(
    alphabet=st.characters(codec='utf-8', exclude_categories=('Cs', )),
    max_size=40)


@st.composite
def ocr_lines(draw, max_lines=40):
    """Lines with any text (empty, whitespace, any script, controls) and any
    box (reversed, zero-size, outside the page)."""
    return [
        OCRLine(draw(text), tuple(draw(coordinate) for _ in range(4)))
        for _ in range(draw(st.integers(0, max_lines)))
    ]


@pytest.fixture(scope='module')
def token_load():
    return OCRTokenLoad(tokenizer=english_bpe_tokenizer(), max_tokens=64)


@SETTINGS
@given(lines=ocr_lines(), width=st.integers(1, 1000),
       height=st.integers(1, 1000))
def test_tokens_and_boxes_in_range(token_load, lines, width, height):
    results = token_load(
        dict(ocr_lines=lines, ocr_shape=(height, width)))
    ids = results['text_input_ids']
    line_index = results['text_line_index']
    boxes = results['text_line_bboxes']
    assert len(ids) == len(line_index) <= 64
    assert ids[0] == token_load.start_id and ids[-1] == token_load.end_id
    assert ((ids >= 0) & (ids < 400)).all()
    assert line_index[0] == line_index[-1] == -1
    words = line_index[1:-1]
    assert ((words >= 0) & (words < len(boxes))).all()
    assert np.isfinite(boxes).all()
    assert (boxes[:, :2] <= boxes[:, 2:]).all()
    assert (boxes >= 0).all()
    assert (boxes[:, [0, 2]] <= width).all()
    assert (boxes[:, [1, 3]] <= height).all()


@SETTINGS
@given(boxes=st.lists(st.tuples(coordinate, coordinate, coordinate,
                                coordinate), max_size=60),
       gap=st.floats(0, 0.5))
def test_reading_order_is_a_permutation(boxes, gap):
    boxes = np.array(boxes, dtype=np.float64).reshape(-1, 4)
    boxes = np.concatenate([np.minimum(boxes[:, :2], boxes[:, 2:]),
                            np.maximum(boxes[:, :2], boxes[:, 2:])], axis=1)
    order = reading_order(boxes, 1000, gap)
    assert order.dtype == np.int64
    assert sorted(order.tolist()) == list(range(len(boxes)))


@st.composite
def page_lines(draw, width, height):
    """Well-formed lines inside a ``width`` x ``height`` page."""
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        x0 = draw(st.integers(0, width - 2))
        y0 = draw(st.integers(0, height - 2))
        x1 = draw(st.integers(x0 + 1, width))
        y1 = draw(st.integers(y0 + 1, height))
        lines.append(OCRLine('word ' * draw(st.integers(1, 3)),
                             (x0, y0, x1, y1)))
    return lines


@SETTINGS
@given(data=st.data(), width=st.integers(40, 300),
       height=st.integers(40, 300), scale=st.floats(0.3, 2.5),
       flip=st.sampled_from([None, 'horizontal', 'vertical', 'diagonal']))
def test_packed_boxes_follow_resize_and_flip(data, width, height, scale,
                                             flip):
    lines = data.draw(page_lines(width, height))
    transforms = [
        dict(type='LoadImageFromNDArray'),
        dict(type='OCRTokenLoad', tokenizer=english_bpe_tokenizer()),
        dict(type='Resize', scale_factor=scale, keep_ratio=True)
    ]
    if flip:
        transforms.append(dict(type='RandomFlip', prob=1.0, direction=flip))
    transforms.append(dict(type='PackLayoutInputs'))
    pipeline = Compose([TRANSFORMS.build(t) for t in transforms])
    image = np.zeros((height, width, 3), dtype=np.uint8)
    packed = pipeline(
        dict(img=image, ocr_lines=lines, ocr_shape=(height, width)))
    sample = packed['data_samples']
    valid_h, valid_w = sample.valid_shape
    img_h, img_w = sample.img_shape
    boxes = sample.text.bboxes.numpy() / 1000 * np.array(
        [valid_w, valid_h, valid_w, valid_h])
    line_of_token = OCRTokenLoad(
        tokenizer=english_bpe_tokenizer())(
            dict(ocr_lines=lines, ocr_shape=(height, width)))
    kept = line_of_token['text_line_bboxes']
    index = line_of_token['text_line_index']
    # Where each token's line is after the resize and the flip.
    sx, sy = img_w / width, img_h / height
    expected = kept[index[1:-1]] * [sx, sy, sx, sy]
    if flip in ('horizontal', 'diagonal'):
        expected[:, [0, 2]] = img_w - expected[:, [2, 0]]
    if flip in ('vertical', 'diagonal'):
        expected[:, [1, 3]] = img_h - expected[:, [3, 1]]
    # One step of the 0-1000 grid plus a pixel of resize rounding.
    tolerance = max(valid_w, valid_h) / 1000 + 1.0
    np.testing.assert_allclose(boxes[1:-1], expected, atol=tolerance)
    assert (sample.text.bboxes[[0, -1]] == 0).all()
