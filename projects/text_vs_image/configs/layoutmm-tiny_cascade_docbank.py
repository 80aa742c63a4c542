# Does the text help on real pages? The tiny text-aware demo model trained
# from scratch on 48 DocBank article pages (their true text lines) and
# evaluated per DocBank label (paragraph, reference, section, caption, ...)
# on 12 held-out pages; the image-only twin has the same schedule.
#   bash projects/text_vs_image/text_vs_image_docbank.sh DOCBANK_DIR
# prepares data/docbank/ (split, tokenizer) and trains and tests both.
_base_ = [
    '../../../configs/_base_/models/layoutmm-tiny_cascade.py',
    './_base_/docbank.py',
]

model = dict(roi_head=dict(bbox_head=[
    dict(head, num_classes=len(_base_.classes))
    for head in _base_.model.roi_head.bbox_head
]))
