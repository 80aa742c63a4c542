"""Tests of LayoutLMv3Pretrainer: each loss against a per-token loop, batch
invariance, bf16, the checkpoint in LayoutLMv3MM and in Hugging Face."""
import copy
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from helpers.ocr_pages import make_page
from helpers.tokenizers import english_bpe_tokenizer
from mmdet.registry import MODELS
from mmdet.utils import register_all_modules
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate

from mmlayout.models.backbones import LayoutLMv3MM
from mmlayout.structures import stack_batch_text, word_token_mask

ROOT = osp.join(osp.dirname(__file__), '..', '..', '..')
TINY = osp.join(ROOT, 'configs', '_base_', 'models',
                'layoutlmv3-tiny_pretrainer.py')
WORDS = ('deep learning for document layout analysis table results on the '
         'validation set figure shows the architecture of the model').split()


@pytest.fixture(scope='module', autouse=True)
def mmdet_scope():
    register_all_modules()


def model_cfg(**changes):
    """The tiny pre-trainer of the configs, two blocks of 32 channels."""
    cfg = copy.deepcopy(Config.fromfile(TINY).model)
    cfg.tokenizer = english_bpe_tokenizer()
    cfg.backbone.arch_cfg.update(
        embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64,
        vocab_size=400, coord_dims=4, shape_dims=8)
    cfg.backbone.out_indices = (1, )
    cfg.update(changes)
    return cfg


def build(cfg=None):
    torch.manual_seed(0)
    model = MODELS.build(cfg or model_cfg())
    model.init_weights()
    return model


def page_lines(seed, count=12):
    generator = torch.Generator().manual_seed(seed)
    lines = []
    for index in range(count):
        picks = torch.randint(len(WORDS), (5, ), generator=generator)
        y = 6 + 14 * index
        lines.append((' '.join(WORDS[i] for i in picks.tolist()),
                      (8, y, 150, y + 10)))
    return lines


def make_batch(tmp_path, sizes=((160, 176), (160, 176)), keep_ratio=False,
               fixed=True, names=None):
    """Pages of the given (width, height) through the pre-training
    pipeline (masks fixed per page), collated and preprocessed."""
    resize = (dict(type='Resize', scale_factor=1.0) if keep_ratio else
              dict(type='Resize', scale=(128, 128), keep_ratio=False))
    pipeline = Compose([
        dict(type='LoadImageFromFile'),
        dict(type='OCRTokenLoad', tokenizer=english_bpe_tokenizer(),
             ocr_root=str(tmp_path / 'ocr')),
        resize,
        dict(type='PretrainMasking', fixed=fixed, min_block=4),
        dict(type='PackLayoutInputs')
    ])
    names = names or [f'page{i}' for i in range(len(sizes))]
    samples = []
    for index, (name, size) in enumerate(zip(names, sizes)):
        img_path = make_page(str(tmp_path), name, size, page_lines(index))
        samples.append(pipeline(dict(img_path=img_path, img_id=index)))
    return pseudo_collate(samples)


def preprocess(model, batch, training=False):
    data = model.data_preprocessor(copy.deepcopy(batch), training)
    return data['inputs'], data['data_samples']


def test_losses_and_logs(tmp_path):
    model = build()
    losses = model.loss(*preprocess(model, make_batch(tmp_path), True))
    assert set(losses) == {'loss_mlm', 'loss_mim', 'loss_wpa', 'acc_mlm',
                           'acc_wpa', 'wpa_aligned'}
    for name in ('loss_mlm', 'loss_mim', 'loss_wpa'):
        assert torch.isfinite(losses[name]) and losses[name] > 0
    # a random model guesses among 400 tokens
    assert losses['loss_mlm'].item() == pytest.approx(6.0, abs=1.0)
    sum(losses[k] for k in ('loss_mlm', 'loss_mim', 'loss_wpa')).backward()
    for name in ('mask_token', 'mlm_head.bias', 'mim_head.out.weight',
                 'wpa_head.out.weight', 'backbone.layers.0.attn.qkv.weight',
                 'backbone.text_embed.word_embed.weight'):
        grad = dict(model.named_parameters())[name].grad
        assert grad is not None and grad.abs().sum() > 0, name


def test_each_loss_equals_a_per_token_loop(tmp_path):
    model = build()
    model.eval()
    inputs, samples = preprocess(model, make_batch(tmp_path))
    with torch.no_grad():
        pages = model.predict(inputs, samples)

        text = stack_batch_text(samples)
        assert torch.equal(inputs.input_ids, text['input_ids'])
        assert torch.equal(inputs.valid_shapes, text['valid_shapes'])
        words = word_token_mask(text['attention_mask'])
        mlm_mask = torch.stack([s.text.mlm_mask for s in samples]) & words
        patch_mask = torch.stack([s.mim_mask for s in samples])
        corrupted = text['input_ids'].masked_fill(mlm_mask,
                                                  model.mask_token_id)
        out = model.backbone(inputs.images, corrupted, text['bboxes'],
                             text['attention_mask'], text['valid_shapes'],
                             patch_mask=patch_mask,
                             mask_token=model.mask_token)
        states, patches = out.text_states[-1], out[-1]
        word_table = model.backbone.text_embed.word_embed.weight
        for b, page in enumerate(pages):
            mlm = mim = wpa = 0.
            for pos in torch.nonzero(mlm_mask[b])[:, 0].tolist():
                logits = model.mlm_head(states[b, pos], weight=word_table)
                mlm += F.cross_entropy(logits[None],
                                       text['input_ids'][b, pos][None]).item()
            for row, col in torch.nonzero(patch_mask[b]).tolist():
                pixels = inputs.images[b, :, 16 * row:16 * row + 16,
                                16 * col:16 * col + 16].reshape(-1)
                target = (pixels - pixels.mean()) / (
                    pixels.var(unbiased=False) + 1e-2).sqrt()
                pred = model.mim_head(patches[b, :, row, col])
                # F.unfold's order: channel, row, column
                mim += (pred - target).square().mean().item()
            for pos in torch.nonzero(words[b] & ~mlm_mask[b])[:, 0].tolist():
                share = model_share(text['bboxes'][b, pos], patch_mask[b])
                label = float(share <= 0.5)
                logit = model.wpa_head(states[b, pos])[0]
                wpa += F.binary_cross_entropy_with_logits(
                    logit, torch.tensor(label)).item()
            assert page.mlm_loss == pytest.approx(mlm, rel=1e-4)
            assert page.mim_loss == pytest.approx(mim, rel=1e-4)
            assert page.wpa_loss == pytest.approx(wpa, rel=1e-4)
            assert page.mlm_count == mlm_mask[b].sum()
            assert page.mim_count == patch_mask[b].sum()


def model_share(box, mask, side=128, patch=16):
    """Share of one box (0-1000 grid of a side x side page) that masked
    patches cover, pixel by pixel on a 1000 x 1000 raster."""
    x0, y0, x1, y1 = box.tolist()
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
    cells = mask.repeat_interleave(patch, 0).repeat_interleave(patch, 1)
    raster = F.interpolate(cells[None, None].float(), size=(1000, 1000),
                           mode='nearest')[0, 0]
    return raster[y0:y1, x0:x1].mean().item()


def test_batch_invariance(tmp_path):
    """A page's sums are the same alone and padded into a batch with a
    larger page."""
    model = build()
    model.eval()
    batch = make_batch(tmp_path, sizes=((96, 112), (160, 144)),
                       keep_ratio=True)
    alone = {key: [value[0]] for key, value in batch.items()}
    with torch.no_grad():
        together = model.predict(*preprocess(model, batch))
        single = model.predict(*preprocess(model, alone))
    inputs, _ = preprocess(model, batch)
    assert inputs.images.shape[-2:] == (144, 160)  # the first is padded
    for key in ('mlm_loss', 'mim_loss', 'wpa_loss', 'mim_baseline',
                'mlm_correct', 'wpa_correct', 'wpa_aligned'):
        assert together[0].get(key) == pytest.approx(
            single[0].get(key), rel=1e-4, abs=1e-5), key
    assert together[0].mlm_count == single[0].mlm_count > 0


def test_no_masked_patch_in_padding(tmp_path):
    model = build()
    batch = make_batch(tmp_path, sizes=((96, 112), (160, 144)),
                       keep_ratio=True)
    inputs, samples = preprocess(model, batch)
    text = stack_batch_text(samples)
    mask = model._canvas_patch_mask(samples, text['valid_shapes'], (9, 10))
    assert mask[0, 7:].sum() == 0 and mask[0, :, 6:].sum() == 0
    assert mask[0].sum() == samples[0].mim_mask.sum() > 0


def test_bf16_step(tmp_path):
    model = build()
    inputs, samples = preprocess(model, make_batch(tmp_path), True)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = model.loss(inputs, samples)
    total = losses['loss_mlm'] + losses['loss_mim'] + losses['loss_wpa']
    assert torch.isfinite(total)
    total.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)


def test_random_replacement_never_special(tmp_path):
    model = build()
    ids = torch.full((4, 500), 7)
    mask = torch.ones_like(ids, dtype=torch.bool)
    torch.manual_seed(0)
    corrupted = model._corrupt(ids, mask, mask_only=False)
    is_mask = corrupted == model.mask_token_id
    kept = corrupted == 7
    assert 0.75 < is_mask.float().mean() < 0.85
    assert 0.05 < kept.float().mean() < 0.15 + 0.01
    random = corrupted[~is_mask & ~kept]
    assert (random > 4).all()  # <s> <pad> </s> <unk> <mask> are 0..4
    assert torch.equal(model._corrupt(ids, mask, mask_only=True),
                       torch.full_like(ids, model.mask_token_id))


def test_checkpoint_loads_strictly_into_the_backbone(tmp_path):
    model = build()
    path = str(tmp_path / 'pretrain.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    cfg = copy.deepcopy(model_cfg().backbone)
    cfg.pop('type')
    cfg.update(pretrained=path, out_indices=(0, 1))
    backbone = LayoutLMv3MM(**cfg)
    backbone.init_weights()
    for key, value in backbone.state_dict().items():
        assert torch.equal(value, model.backbone.state_dict()[key]), key


def test_continued_pretraining_from_hugging_face(tmp_path):
    from transformers import LayoutLMv3Config, LayoutLMv3Model
    config = LayoutLMv3Config(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, vocab_size=400, coordinate_size=4,
        shape_size=8, input_size=128, max_position_embeddings=514,
        type_vocab_size=1)
    torch.manual_seed(1)
    hf = LayoutLMv3Model(config)
    hf.save_pretrained(str(tmp_path / 'hf'))
    cfg = model_cfg()
    cfg.backbone.pretrained = str(tmp_path / 'hf')
    cfg.backbone.arch_cfg.pretrain_img_size = 128
    model = build(cfg)
    torch.testing.assert_close(
        model.backbone.text_embed.word_embed.weight,
        hf.embeddings.word_embeddings.weight)
    losses = model.loss(*preprocess(model, make_batch(tmp_path), True))
    assert torch.isfinite(losses['loss_mlm'])


def test_errors(tmp_path):
    with pytest.raises(ValueError, match='text-aware'):
        build(model_cfg(backbone=dict(model_cfg().backbone,
                                      image_only=True)))
    with pytest.raises(ValueError, match='last out_indices'):
        build(model_cfg(backbone=dict(model_cfg().backbone,
                                      out_indices=(0, ))))
    with pytest.raises(ValueError, match='vocab_size'):
        cfg = model_cfg()
        cfg.backbone.arch_cfg.vocab_size = 100
        build(cfg)
    with pytest.raises(KeyError, match='unknown objectives'):
        build(model_cfg(loss_weights=dict(mlm=1., itm=1.)))
    model = build()
    batch = make_batch(tmp_path)
    inputs, samples = preprocess(model, batch)
    del samples[0].mim_mask
    with pytest.raises(KeyError, match='PretrainMasking'):
        model.loss(inputs, samples)


def test_discrete_mim_target(tmp_path):
    """MIM on the codes of a (saved) PatchVQVAE: cross-entropy, accuracy,
    and the metric's most-frequent-code baseline."""
    from mmlayout.evaluation import PretrainMetric
    tokenizer = dict(type='PatchVQVAE', num_codes=16, code_dims=8,
                     hidden_channels=(8, 16))
    vq = MODELS.build(tokenizer)
    torch.save({'state_dict': vq.state_dict(), 'meta': {}},
               str(tmp_path / 'vq.pth'))
    model = build(model_cfg(mim_target=dict(
        type='VQTokenTarget', tokenizer=tokenizer,
        checkpoint=str(tmp_path / 'vq.pth'))))
    assert torch.equal(model.mim_target.tokenizer.codebook, vq.codebook)
    inputs, samples = preprocess(model, make_batch(tmp_path), True)
    losses = model.loss(inputs, samples)
    assert 'acc_mim' in losses
    assert losses['loss_mim'].item() == pytest.approx(2.77, abs=0.7)  # ln 16
    model.eval()
    with torch.no_grad():
        pages = model.predict(inputs, samples)
    patch_mask = torch.stack([s.mim_mask for s in samples])
    codes = vq.eval().tokenize(inputs.images)[patch_mask]
    assert torch.equal(
        torch.cat([page.mim_targets for page in pages]), codes)
    metric = PretrainMetric()
    metric.process({}, pages)
    metrics = metric.compute_metrics(metric.results)
    top = torch.bincount(codes).max().item()
    assert metrics['mim_majority_acc'] == pytest.approx(
        100 * top / len(codes), abs=1e-3)
    assert 0 <= metrics['mim_acc'] <= 100
    assert metrics['mim_baseline_loss'] == pytest.approx(2.7726, abs=1e-3)
