import os.path as osp

import torch
from helpers.configs import check_tokenizer_config

from mmlayout.evaluation import CodebookMetric
from mmlayout.models.image_tokenizers import PatchVQVAE

ROOT = osp.join(osp.dirname(__file__), '..', '..', '..')
CONFIG = osp.join(ROOT, 'configs', 'pretrain', 'patch-vqvae_synth.py')


def small(**kwargs):
    torch.manual_seed(0)
    return PatchVQVAE(num_codes=16, code_dims=8, hidden_channels=(8, 16),
                      **kwargs)


def test_a_code_per_patch_from_that_patch_only():
    model = small().eval()
    images = torch.randn(2, 3, 32, 48)
    codes = model.tokenize(images)
    assert codes.shape == (2, 2, 3) and codes.dtype == torch.long
    assert 0 <= codes.min() and codes.max() < 16
    changed = images.clone()
    changed[0, :, 16:32, 0:16] = torch.randn(3, 16, 16) * 5
    new = model.tokenize(changed)
    keep = torch.ones_like(codes, dtype=torch.bool)
    keep[0, 1, 0] = False
    assert torch.equal(new[keep], codes[keep])


def test_training_rebuilds_and_restarts_idle_codes():
    model = small(restart_after=3)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    generator = torch.Generator().manual_seed(0)
    # pages: blank with a few dark strokes
    images = torch.ones(8, 3, 32, 32)
    for index in range(8):
        row = int(torch.randint(0, 28, (1, ), generator=generator))
        images[index, :, row:row + 3, 4:28] = -1
    first = None
    for _ in range(60):
        losses = model.loss(images)
        (losses['loss_rec'] + losses['loss_commit']).backward()
        optimizer.step()
        optimizer.zero_grad()
        first = first if first is not None else losses['loss_rec'].item()
    assert losses['loss_rec'].item() < 0.5 * first
    assert {'codes_used', 'perplexity'} <= set(losses)
    # every code was either used in the last steps or restarted
    assert (model.idle_steps < 3).all()
    assert torch.allclose(model.codebook.norm(dim=1), torch.ones(16))


def test_codebook_metric():
    model = small().eval()
    pages = model.predict(torch.randn(3, 3, 32, 32))
    metric = CodebookMetric()
    metric.process({}, pages)
    metrics = metric.compute_metrics(metric.results)
    assert 0 < metrics['codes_used'] <= 100
    assert 1 <= metrics['perplexity'] <= 16
    assert metrics['top_code'] >= 100 / 12
    assert metrics['rec_mse'] > 0


def test_config_trains_one_step(synth_root):
    check_tokenizer_config(CONFIG, synth_root)
