# The image-only twin of r18-text_cascade_docbank.py: the CNN baseline's
# ResNet-18 Cascade R-CNN on the same DocBank pages, labels and schedule,
# without text (no text encoder, no fusion).
#   MODEL=cnn bash projects/text_vs_image/text_vs_image_docbank.sh DOCBANK_DIR
_base_ = [
    '../../../configs/_base_/models/r18_cascade.py',
    './_base_/docbank.py',
]

model = dict(roi_head=dict(bbox_head=[
    dict(head, num_classes=len(_base_.classes))
    for head in _base_.model.roi_head.bbox_head
]))
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.test_pipeline))
test_dataloader = val_dataloader
