"""``index.html``: browse a run's pages and regions offline in a browser.

One self-contained HTML file (no scripts or styles from the network) with
the results embedded as JSON: a list of the pages on the left, the selected
page with its regions drawn over it, and the class, score and text of the
region clicked on the right. Page images are files beside it.
"""
import json
from typing import Sequence

from .drawing import class_colors

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>__TITLE__</title>
<style>
body { margin: 0; font-family: sans-serif; display: flex; height: 100vh; }
#pages { width: 220px; overflow-y: auto; border-right: 1px solid #ccc;
         font-size: 13px; }
#pages div { padding: 6px 8px; cursor: pointer;
             border-bottom: 1px solid #eee; }
#pages div.selected { background: #dde8ff; }
#pages div.failed { color: #b00; }
#view { flex: 1; overflow: auto; padding: 12px; }
#canvas { position: relative; display: inline-block; }
#canvas img { display: block; max-width: 100%; }
.region { position: absolute; box-sizing: border-box; border: 2px solid;
          cursor: pointer; }
.region.selected { border-width: 4px; }
#details { width: 340px; overflow-y: auto; border-left: 1px solid #ccc;
           padding: 12px; font-size: 14px; }
#details pre { white-space: pre-wrap; font-family: inherit; }
.legend span { display: inline-block; margin: 0 8px 4px 0; padding: 1px 5px;
               color: white; font-size: 12px; }
</style>
</head>
<body>
<div id="pages"></div>
<div id="view"><div class="legend" id="legend"></div>
<div id="canvas"></div></div>
<div id="details"><p>Click a region to see its text.</p></div>
<script>
const DATA = __DATA__;
const pagesEl = document.getElementById('pages');
const canvas = document.getElementById('canvas');
const details = document.getElementById('details');

function text(tag, content) {
  const el = document.createElement(tag);
  el.textContent = content;
  return el;
}

DATA.classes.forEach((name, i) => {
  const tag = text('span', name);
  tag.style.background = DATA.colors[i];
  document.getElementById('legend').appendChild(tag);
});

function showRegion(page, index, box) {
  document.querySelectorAll('.region.selected')
    .forEach(el => el.classList.remove('selected'));
  box.classList.add('selected');
  const region = page.regions[index];
  details.replaceChildren(
    text('h3', region.label + ' (' + region.score.toFixed(3) + ')'),
    text('p', 'box: ' + region.box.map(v => v.toFixed(0)).join(', ')),
    text('pre', region.text || '(no text)'));
}

function showPage(number) {
  const page = DATA.pages[number];
  pagesEl.querySelectorAll('div').forEach(
    (el, i) => el.classList.toggle('selected', i === number));
  canvas.replaceChildren();
  details.replaceChildren(text('p', page.error ? 'Failed: ' + page.error :
    page.regions.length + ' regions; text from ' + page.text_source +
    '. Click a region to see its text.'));
  if (page.error) return;
  const img = document.createElement('img');
  img.src = page.image;
  canvas.appendChild(img);
  page.regions.forEach((region, index) => {
    const box = document.createElement('div');
    box.className = 'region';
    const [x0, y0, x1, y1] = region.box;
    box.style.left = (100 * x0 / page.width) + '%';
    box.style.top = (100 * y0 / page.height) + '%';
    box.style.width = (100 * (x1 - x0) / page.width) + '%';
    box.style.height = (100 * (y1 - y0) / page.height) + '%';
    box.style.borderColor = DATA.colors[region.label_id];
    box.title = region.label + ' ' + region.score.toFixed(2);
    box.onclick = () => showRegion(page, index, box);
    canvas.appendChild(box);
  });
}

DATA.pages.forEach((page, number) => {
  const item = text('div', page.page_id + (page.error ? ' (failed)' :
    ' (' + page.regions.length + ')'));
  if (page.error) item.classList.add('failed');
  item.onclick = () => showPage(number);
  pagesEl.appendChild(item);
});
if (DATA.pages.length) showPage(0);
</script>
</body>
</html>
"""


def render_index(pages: Sequence[dict], classes: Sequence[str],
                 title: str = 'mmlayout results') -> str:
    """The HTML of ``index.html``.

    Args:
        pages (Sequence[dict]): Per page :meth:`PageResult.to_dict` plus
            ``image``, the page image's path relative to ``index.html``.
        classes (Sequence[str]): The model's class names.
        title (str): The page title.
    """
    colors = ['#%02x%02x%02x' % color for color in class_colors(len(classes))]
    data = json.dumps(
        dict(pages=list(pages), classes=list(classes), colors=colors),
        ensure_ascii=False)
    # Inside <script>, "</" could close the element.
    data = data.replace('</', '<\\/')
    escaped_title = (title.replace('&', '&amp;').replace('<', '&lt;')
                     .replace('>', '&gt;'))
    return _PAGE.replace('__TITLE__', escaped_title).replace('__DATA__', data)
