"""Reading order of OCR lines: top to bottom, column by column.

The rule is a recursive XY-cut that prefers columns:

1. **Columns first.** If a vertical strip of whitespace at least
   ``min_column_gap`` wide runs through the whole region (no line crosses
   it), the region is split there and the parts are read left to right.
2. **Otherwise rows.** The region is cut at every horizontal whitespace gap
   into bands, read top to bottom. Consecutive bands are read as one block
   when together they have a column gutter and at least one of them has
   lines on both sides of a gutter itself (multi-column evidence), so a
   two-column stretch between a full-width title and a full-width figure is
   read column by column instead of row by row. Each block is ordered
   recursively by the same rule.
3. **Leaves** (lines that overlap each other vertically with no gutter
   between them) are read as rows: lines whose vertical centres are within
   half the median line height of the row's first line form a row, read
   left to right.

Known limits of so simple a rule: a table or a form whose cells are separated
by gutters is read column by column; a short line standing alone beside a
multi-column block joins the column it lies in.
"""
from typing import List, Tuple

import numpy as np

Intervals = List[Tuple[float, float]]


def _split(lo: np.ndarray, hi: np.ndarray, idx: np.ndarray,
           min_gap: float) -> List[np.ndarray]:
    """Split ``idx`` at gaps ``>= min_gap`` along one axis, in order."""
    if len(idx) < 2:
        return [idx]
    ordered = idx[np.argsort(lo[idx], kind='stable')]
    reach = np.maximum.accumulate(hi[ordered])
    cuts = np.flatnonzero(lo[ordered[1:]] - reach[:-1] >= min_gap) + 1
    if not len(cuts):
        return [ordered]
    bounds = [0, *cuts.tolist(), len(ordered)]
    return [ordered[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def _merge(intervals: Intervals, min_gap: float) -> Intervals:
    """Union of intervals, joining those less than ``min_gap`` apart."""
    intervals = sorted(intervals)
    merged = [intervals[0]]
    for lo, hi in intervals[1:]:
        last_lo, last_hi = merged[-1]
        if lo - last_hi < min_gap:
            merged[-1] = (last_lo, max(last_hi, hi))
        else:
            merged.append((lo, hi))
    return merged


class _Orderer:
    """Recursive XY-cut over one page's boxes (see the module docstring).

    A region has a column gutter when the x-extents of its lines, joined
    where less than ``min_gap`` apart, leave more than one interval.
    """

    def __init__(self, boxes: np.ndarray, min_gap: float):
        self.x0, self.y0, self.x1, self.y1 = boxes.T
        self.extents = list(zip(self.x0.tolist(), self.x1.tolist()))
        self.min_gap = min_gap

    def order(self, idx: np.ndarray) -> List[np.ndarray]:
        if len(idx) < 2:
            return [idx]
        columns = _split(self.x0, self.x1, idx, self.min_gap)
        if len(columns) > 1:
            return [part for col in columns for part in self.order(col)]
        bands = _split(self.y0, self.y1, idx, 0.0)
        blocks = self._blocks(bands) if len(bands) > 1 else [idx]
        if len(blocks) == 1:
            return [self._rows(idx)]
        return [part for block in blocks for part in self.order(block)]

    def _blocks(self, bands: List[np.ndarray]) -> List[np.ndarray]:
        """Join consecutive bands that share a column gutter."""
        if all(len(band) == 1 for band in bands):
            # Fast path (one column of single lines): nothing joins unless
            # two neighbouring lines lie side by side with a gutter.
            lines = np.concatenate(bands)
            lo, hi = self.x0[lines], self.x1[lines]
            if not ((lo[1:] - hi[:-1] >= self.min_gap) |
                    (lo[:-1] - hi[1:] >= self.min_gap)).any():
                return bands
        blocks = []
        current, covered, evidence = [], [], False

        def close():
            if len(current) == 1 or not evidence:
                blocks.extend(current)
            else:
                blocks.append(np.concatenate(current))

        for band in bands:
            own = _merge([self.extents[i] for i in band.tolist()],
                         self.min_gap)
            if current:
                joined = _merge(covered + own, self.min_gap)
                if len(joined) > 1:
                    current.append(band)
                    covered, evidence = joined, evidence or len(own) > 1
                    continue
                close()
            current, covered, evidence = [band], own, len(own) > 1
        close()
        return blocks

    def _rows(self, idx: np.ndarray) -> np.ndarray:
        """Order vertically overlapping lines as rows, left to right."""
        centre = (self.y0[idx] + self.y1[idx]) / 2
        tol = 0.5 * float(np.median(self.y1[idx] - self.y0[idx]))
        by_centre = np.argsort(centre, kind='stable')
        row_ids = np.empty(len(idx), dtype=np.int64)
        row, row_top = 0, centre[by_centre[0]]
        for k in by_centre.tolist():
            if centre[k] > row_top + tol:
                row, row_top = row + 1, centre[k]
            row_ids[k] = row
        return idx[np.lexsort((self.x0[idx], row_ids))]


def reading_order(boxes: np.ndarray,
                  page_width: float,
                  min_column_gap: float = 0.01) -> np.ndarray:
    """Order text lines for reading: top to bottom, column by column.

    See the module docstring for the rule.

    Args:
        boxes (np.ndarray): ``(N, 4)`` line boxes ``x0, y0, x1, y1`` in
            pixels, with ``x0 <= x1`` and ``y0 <= y1``.
        page_width (float): Page width in the boxes' pixels.
        min_column_gap (float): Narrowest whitespace gutter that separates
            columns, as a fraction of ``page_width``. Defaults to 0.01.

    Returns:
        np.ndarray: ``(N,)`` int64 indices of the lines in reading order.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if len(boxes) == 0:
        return np.zeros(0, dtype=np.int64)
    orderer = _Orderer(boxes, max(min_column_gap * page_width, 1e-6))
    parts = orderer.order(np.arange(len(boxes)))
    return np.concatenate(parts).astype(np.int64)
