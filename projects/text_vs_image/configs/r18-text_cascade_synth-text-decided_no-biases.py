# The text-aware ResNet-18 of r18-text_cascade_synth-text-decided.py with a
# text encoder without LayoutLMv3's 1D and 2D relative-position attention
# biases, same seed and schedule: do the biases pay off?
#   MODEL=cnn bash projects/text_vs_image/attention_biases_synth.sh
_base_ = './r18-text_cascade_synth-text-decided.py'

model = dict(
    backbone=dict(
        text_encoder=dict(rel_pos_bias=False, spatial_bias=False)))
