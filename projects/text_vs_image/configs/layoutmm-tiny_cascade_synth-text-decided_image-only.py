# The image-only twin of layoutmm-tiny_cascade_synth-text-decided.py: the
# same model, pages, seed and schedule without text (no text embedding, no
# fusion, no attention biases).
#   bash projects/text_vs_image/text_vs_image_synth.sh
_base_ = './layoutmm-tiny_cascade_synth-text-decided.py'

model = dict(
    backbone=dict(image_only=True, rel_pos_bias=False, spatial_bias=False),
    fusion=None)
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.test_pipeline))
test_dataloader = val_dataloader
