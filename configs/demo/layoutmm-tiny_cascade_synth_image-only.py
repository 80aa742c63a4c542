# The image-only twin of layoutmm-tiny_cascade_synth.py: the same model,
# schedule and scales without text (no text embedding, no fusion, no
# attention biases), to measure what the text adds.
_base_ = './layoutmm-tiny_cascade_synth.py'

model = dict(
    backbone=dict(image_only=True, rel_pos_bias=False, spatial_bias=False),
    fusion=None)
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.test_pipeline))
test_dataloader = val_dataloader
