import numpy as np

from mmlayout.apis import assign_lines, join_lines
from mmlayout.ocr import OCRLine


def test_join_lines():
    assert join_lines(['Deep learn-', 'ing works', '', ' well. ']) == (
        'Deep learning works well.')
    assert join_lines(['文档版面', '分析。', 'Table 1']) == (
        '文档版面分析。 Table 1')
    assert join_lines(['well-', 'Known']) == 'well- Known'
    assert join_lines([]) == ''


def test_assign_lines_majority_and_reading_order():
    regions = np.array([[0, 0, 100, 100], [0, 100, 100, 200],
                        [0, 0, 100, 200]])  # the last covers both
    lines = [
        OCRLine('second', (10, 50, 90, 60)),
        OCRLine('first', (10, 10, 90, 20)),
        OCRLine('straddles, whole in the last', (10, 90, 90, 130)),
        OCRLine('outside', (300, 10, 400, 20)),
        OCRLine('half out', (50, 150, 250, 160)),  # 40% inside regions 1, 2
        OCRLine('zero size', (20, 150, 20, 150)),
    ]
    per_region, unassigned = assign_lines(regions, lines, 500)
    # Ties go to the earlier region (regions come by decreasing score).
    assert per_region[0] == [1, 0]
    assert per_region[1] == [5]
    assert per_region[2] == [2]
    assert sorted(unassigned) == [3, 4]
    # Nothing is lost or given twice.
    given = sum(per_region, []) + unassigned
    assert sorted(given) == list(range(len(lines)))


def test_assign_lines_without_regions_or_lines():
    per_region, unassigned = assign_lines(
        np.zeros((0, 4)), [OCRLine('a', (0, 0, 5, 5))], 100)
    assert per_region == [] and unassigned == [0]
    per_region, unassigned = assign_lines(np.array([[0, 0, 5, 5]]), [], 100)
    assert per_region == [[]] and unassigned == []
