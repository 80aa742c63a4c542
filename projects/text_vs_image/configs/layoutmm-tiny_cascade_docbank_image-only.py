# The image-only twin of docbank_layoutmm-tiny_text.py: same model, data,
# scales and schedule without text (no text embedding, no fusion, no
# attention biases).
_base_ = './docbank_layoutmm-tiny_text.py'

model = dict(
    backbone=dict(image_only=True, rel_pos_bias=False, spatial_bias=False),
    fusion=None)
train_dataloader = dict(dataset=dict(
    pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(dataset=dict(pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
