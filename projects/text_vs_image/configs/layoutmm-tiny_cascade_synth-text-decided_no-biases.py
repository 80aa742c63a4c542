# The text-aware model of synth_text_decided_layoutmm-tiny_text.py without
# LayoutLMv3's 1D and 2D relative-position attention biases (as in the
# published detector), same seed and schedule: do the biases pay off?
#   bash tools/experiments/attention_biases_synth.sh
_base_ = './synth_text_decided_layoutmm-tiny_text.py'

model = dict(backbone=dict(rel_pos_bias=False, spatial_bias=False))
