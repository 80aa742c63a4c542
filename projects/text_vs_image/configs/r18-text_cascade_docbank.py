# The DocBank pair with a CNN: ResNet-18 maps made text-aware by the tiny
# LayoutLMv3MM's text states (TwoStreamBackbone + TextBoxFusion at strides
# 4-32), same pages, labels and schedule as layoutmm-tiny_cascade_docbank.py;
# its image-only twin is r18_cascade_docbank.py.
#   MODEL=cnn bash projects/text_vs_image/text_vs_image_docbank.sh DOCBANK_DIR
_base_ = [
    '../../../configs/_base_/models/r18-text_cascade.py',
    './_base_/docbank.py',
]

model = dict(roi_head=dict(bbox_head=[
    dict(head, num_classes=len(_base_.classes))
    for head in _base_.model.roi_head.bbox_head
]))
