# The tiny text-decided pre-training with discrete MIM targets, as the
# paper's: each masked patch's code from the PatchVQVAE trained on the same
# corpus (patch-vqvae_synth-text-decided.py; train it first), predicted by
# cross-entropy over its 1024 codes.
_base_ = './layoutlmv3-tiny_pretrain_synth-text-decided.py'

model = dict(
    mim_target=dict(
        _delete_=True,
        type='VQTokenTarget',
        # PatchVQVAE's defaults are those of its config: 1024 codes of 32
        # channels, 16 x 16 patches
        tokenizer=dict(type='PatchVQVAE'),
        checkpoint='work_dirs/patch-vqvae_synth-text-decided/iter_2000.pth'))
