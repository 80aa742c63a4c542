"""Markdown of a document from its pages' regions and their text.

Each region becomes a block by the role of its class (class names of CDLA,
PubLayNet, DocBank and DocLayNet are known; any other class is a
paragraph):

- titles (``Title``, ``title``, ``section``, ``Section-header``) become
  headings: ``#`` for a document title (the first title of the first page
  when the classes have no separate section class), ``##`` for the others;
- captions become italic paragraphs;
- figures, tables and equations become images cropped from the page,
  linked from the Markdown (their OCR text would be a jumble);
- lists become list items; everything else a paragraph;
- headers, footers and page numbers are left out unless asked for.

Regions come in the reading order of the page; pages follow each other.
"""
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence

from .results import PageResult, Region

ROLES: Dict[str, str] = {
    **dict.fromkeys(('title', 'doc_title'), 'title'),
    **dict.fromkeys(('section', 'section-header', 'section_header',
                     'heading'), 'section'),
    **dict.fromkeys(('figure caption', 'table caption', 'caption',
                     'figure_caption', 'table_caption'), 'caption'),
    **dict.fromkeys(('figure', 'table', 'equation', 'picture', 'image',
                     'formula'), 'picture'),
    **dict.fromkeys(('header', 'footer', 'page-header', 'page-footer',
                     'page_header', 'page_footer', 'page number'),
                    'furniture'),
    **dict.fromkeys(('list', 'list-item', 'list_item'), 'list'),
}

_MARKDOWN_SPECIAL = re.compile(r'([\\`*_\[\]<>|])')


def role_of(label: str) -> str:
    """The Markdown role of a class name (``'paragraph'`` if unknown)."""
    return ROLES.get(label.lower(), 'paragraph')


def escape(text: str) -> str:
    """Text as literal Markdown (no emphasis, links, HTML or headings)."""
    text = _MARKDOWN_SPECIAL.sub(r'\\\1', text)
    return re.sub(r'^(\s*)([#>+-]|\d+\.)(\s)', r'\1\\\2\3', text)


def region_block(region: Region, role: str, heading_level: int,
                 picture: Optional[str]) -> Optional[str]:
    """The Markdown of one region, or None for an empty one."""
    if role == 'picture':
        return f'![{escape(region.label)}]({picture})' if picture else None
    text = escape(region.text)
    if not text:
        return None
    if role in ('title', 'section'):
        return '#' * heading_level + ' ' + text
    if role == 'caption':
        return f'*{text}*'
    if role == 'list':
        return '- ' + text
    return text


def document_markdown(pages: Sequence[PageResult],
                      pictures: Sequence[Sequence[Optional[str]]],
                      keep_furniture: bool = False) -> str:
    """The Markdown of a document.

    Args:
        pages (Sequence[PageResult]): Its pages in order.
        pictures (Sequence[Sequence[str]]): Per page and region, the path
            (relative to the Markdown file) of the region's cropped image,
            or None; used for the ``picture`` role.
        keep_furniture (bool): Keep headers and footers. Defaults to False.
    """
    labels = {region.label.lower() for page in pages
              for region in page.regions}
    separate_sections = any(role_of(label) == 'section' for label in labels)
    blocks: List[str] = []
    seen_title = False
    for number, (page, page_pictures) in enumerate(zip(pages, pictures)):
        if number:
            blocks.append(f'<!-- page {number + 1} -->')
        if page.failed:
            blocks.append(f'<!-- page {page.page_id} failed: '
                          f'{page.error.replace("--", "- -")} -->')
            continue
        for region, picture in zip(page.regions, page_pictures):
            role = role_of(region.label)
            if role == 'furniture' and not keep_furniture:
                continue
            level = 2
            if role == 'title' and (separate_sections or not seen_title):
                level = 1
            block = region_block(region, role, level, picture)
            if block is not None:
                seen_title |= role == 'title'
                blocks.append(block)
    return '\n\n'.join(blocks) + '\n'


def picture_name(page: PageResult, index: int, region: Region) -> str:
    """File name of a region's cropped image."""
    label = re.sub(r'[^0-9A-Za-z]+', '_', region.label).strip('_').lower()
    return f'{page.page_id}_r{index:03d}_{label or "region"}.png'


def document_name(page: PageResult) -> str:
    """The name of a page's document: its PDF's or image's stem."""
    if page.source:
        return osp.splitext(osp.basename(page.source))[0]
    return page.page_id
