# The image-only twin of layoutmm_cascade_cdla.py: the published LayoutLMv3
# detector (no text, no fusion, both attention biases off, the backbone sees
# the padded canvas as the reference did) with the same recipe, to measure
# what the text adds.
_base_ = './layoutmm_cascade_cdla.py'

model = dict(
    backbone=dict(image_only=True, rel_pos_bias=False, spatial_bias=False),
    fusion=None,
    pass_valid_shapes=False)
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(dataset=dict(pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
