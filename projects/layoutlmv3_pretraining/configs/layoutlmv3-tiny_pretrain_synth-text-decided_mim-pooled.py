# The tiny text-decided pre-training with a low-resolution MIM target: each
# masked 16 x 16 patch's pixels average-pooled to 4 x 4 and regressed as
# they are (no per-patch normalisation): where the ink lies inside the patch
# (lines, gaps, edges), not the glyph shapes that the full-resolution,
# per-patch normalised target asks for and context cannot predict.
_base_ = './layoutlmv3-tiny_pretrain_synth-text-decided.py'

model = dict(
    mim_target=dict(
        type='NormalizedPixelTarget', target_size=4, norm_pix=False))
