import numpy as np

from mmlayout.ocr import reading_order


def _order(named_boxes, width=1000, seed=0, **kwargs):
    names = list(named_boxes)
    perm = np.random.RandomState(seed).permutation(len(names))
    boxes = np.array([named_boxes[names[i]] for i in perm], dtype=float)
    return [names[perm[i]] for i in reading_order(boxes, width, **kwargs)]


def two_column_page():
    """Title and abstract across the page, two columns, a full-width figure
    caption between two two-column stretches, a footer."""
    boxes = {'title': (200, 40, 800, 70), 'abstract': (60, 90, 940, 110)}
    for i in range(8):  # columns on a shared baseline grid
        y = 140 + 22 * i
        boxes[f'a.L{i}'] = (60, y, 480, y + 16)
        boxes[f'a.R{i}'] = (520, y, 940, y + 16)
    boxes['a.L8'] = (60, 316, 300, 332)  # left column ends with a short line
    boxes['caption'] = (60, 360, 940, 380)
    for i in range(6):  # columns with different line spacing
        boxes[f'b.L{i}'] = (60, 400 + 20 * i, 480, 414 + 20 * i)
    for i in range(4):
        boxes[f'b.R{i}'] = (520, 405 + 27 * i, 940, 420 + 27 * i)
    boxes['footer'] = (450, 980, 550, 995)
    return boxes


def test_two_columns():
    expected = (['title', 'abstract'] + [f'a.L{i}' for i in range(9)] +
                [f'a.R{i}' for i in range(8)] + ['caption'] +
                [f'b.L{i}' for i in range(6)] + [f'b.R{i}' for i in range(4)] +
                ['footer'])
    for seed in range(3):
        assert _order(two_column_page(), seed=seed) == expected


def test_rows_left_to_right():
    # one column; a line split into segments, slightly skewed
    boxes = {
        'r0.a': (50, 100, 200, 120), 'r0.b': (205, 98, 400, 118),
        'r1.a': (50, 121, 390, 141), 'r1.b': (392, 123, 600, 143)
    }
    assert _order(boxes) == ['r0.a', 'r0.b', 'r1.a', 'r1.b']


def test_single_column_needs_column_evidence():
    # a right-aligned date above left-aligned lines is not a second column
    boxes = {
        'date': (700, 50, 950, 70),
        'dear': (50, 90, 300, 110),
        'body': (50, 120, 950, 140),
    }
    assert _order(boxes) == ['date', 'dear', 'body']


def test_gap_narrower_than_min_column_gap():
    # columns 10 px apart: two columns at 1% of 600 px, rows at 5%
    boxes = {}
    for i in range(3):
        boxes[f'L{i}'] = (10, 20 * i, 290, 20 * i + 15)
        boxes[f'R{i}'] = (300, 20 * i, 590, 20 * i + 15)
    assert _order(boxes, width=600) == ['L0', 'L1', 'L2', 'R0', 'R1', 'R2']
    assert _order(boxes, width=600, min_column_gap=0.05) == [
        'L0', 'R0', 'L1', 'R1', 'L2', 'R2']


def test_empty_and_single():
    assert reading_order(np.zeros((0, 4)), 100).tolist() == []
    assert reading_order(np.array([[1, 2, 3, 4]]), 100).tolist() == [0]
