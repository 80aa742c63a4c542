# The text-aware ResNet-18 of synth_text_decided_r18_text.py with a text
# encoder without LayoutLMv3's 1D and 2D relative-position attention biases,
# same seed and schedule: do the biases pay off?
#   MODEL=cnn bash tools/experiments/attention_biases_synth.sh
_base_ = './synth_text_decided_r18_text.py'

model = dict(
    backbone=dict(
        text_encoder=dict(rel_pos_bias=False, spatial_bias=False)))
