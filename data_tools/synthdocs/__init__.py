"""Synthetic academic pages with layout ground truth (``synth_docs.py``).

Modules:

* :mod:`.fonts`    font discovery, loading and text measuring,
* :mod:`.vocab`    the word lists the text is drawn from,
* :mod:`.text`     random words, sentences, citations, line wrapping,
* :mod:`.canvas`   the page image, the OCR lines and regions drawn on it,
* :mod:`.page`     one page's shared state: random generator, style,
  numbering, canvas and text source,
* :mod:`.blocks`   text blocks: paragraphs, titles, captions, equations,
  reference lists,
* :mod:`.graphics` figures (plots, bars, diagrams, photos), tables and the
  neutral placeholder graphic,
* :mod:`.decided`  the blocks of text-decided pages, whose classes only the
  words tell apart,
* :mod:`.layout`   headers, footers, the opening block, columns and
  :func:`~.layout.render_page`,
* :mod:`.coco`     class schemes and the COCO annotation file.
"""
