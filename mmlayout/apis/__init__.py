"""Run trained layout models on pages: the inferencer and its outputs."""
from .layout_inferencer import LayoutInferencer
from .page_sources import PageSource, iter_page_sources
from .results import PageResult, Region, assign_lines, join_lines
from .writers import FORMATS, ResultWriter, build_writers

__all__ = [
    'LayoutInferencer', 'PageSource', 'iter_page_sources', 'PageResult',
    'Region', 'assign_lines', 'join_lines', 'FORMATS', 'ResultWriter',
    'build_writers'
]
