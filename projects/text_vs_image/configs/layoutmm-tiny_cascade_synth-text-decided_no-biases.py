# The text-aware model of layoutmm-tiny_cascade_synth-text-decided.py
# without LayoutLMv3's 1D and 2D relative-position attention biases (as in
# the published detector), same seed and schedule: do the biases pay off?
#   bash projects/text_vs_image/attention_biases_synth.sh
_base_ = './layoutmm-tiny_cascade_synth-text-decided.py'

model = dict(backbone=dict(rel_pos_bias=False, spatial_bias=False))
