import os.path as osp
import re

import pytest
from analysis_tools import benchmark
from helpers.ocr_pages import make_page
from helpers.tokenizers import english_bpe_tokenizer
from transformers import AutoTokenizer

from mmlayout.ocr import OCRLine

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
CONFIG = osp.join(ROOT, 'configs', 'demo', 'layoutmm-tiny_cascade_synth.py')


def tiny_options():
    """The demo config with a 32-channel backbone."""
    arch = dict(embed_dims=32, num_layers=4, num_heads=2,
                feedforward_channels=64, vocab_size=400, coord_dims=4,
                shape_dims=8)
    return ['--cfg-options', f'tokenizer={english_bpe_tokenizer()}',
            'model.fusion.text_channels=32', 'model.fusion.map_channels=32',
            'model.neck.in_channels=32'] + [
                f'model.backbone.arch_cfg.{key}={value}'
                for key, value in arch.items()]


class FakeEngine:
    """Stands in for an OCR engine: one line per page."""

    version = 'fake 1.0'

    def __call__(self, image):
        return [OCRLine('Figure 2.', (10, 10, 200, 40))]


def test_synthetic_pages_with_ocr(monkeypatch, capsys):
    monkeypatch.setattr(benchmark, 'build_ocr_engine',
                        lambda name: FakeEngine())
    assert benchmark.main([
        CONFIG, '--device', 'cpu', '--pages', '2', '--batch-size', '2',
        '--warmup', '1', '--short-side', '128', '--with-ocr', 'rapidocr',
        *tiny_options()]) == 0
    out = capsys.readouterr().out
    assert re.search(r'^CPU: .+ \(\d+ cores\), torch ', out, re.M)
    assert re.search(r'^model: LayoutCascadeRCNN of .+layoutmm-tiny_cascade_'
                     r'synth.py, [\d.]+ M parameters, weights random', out,
                     re.M)
    assert ('run: cpu, fp32, batch size 2, 2 pages in 1 batches timed after '
            '1 warm-up batches') in out
    # the tokens of the engine's line, not of the synthetic OCR JSON
    tokens = len(AutoTokenizer.from_pretrained(english_bpe_tokenizer())(
        'Figure 2.', add_special_tokens=False)['input_ids']) + 2
    assert ('pages: 2 synthetic pages 1000x1414; model input 128x181 (first '
            f'page), {tokens} tokens/page (mean)') in out
    number = r'[\d.]+'
    assert re.search(
        rf'^OCR excluded: {number} pages/s; ms/page median {number}, mean '
        rf'{number} \(pipeline median {number}, mean {number}; model median '
        rf'{number}, mean {number}\)$', out, re.M)
    assert re.search(rf'^OCR included \(fake 1.0\): {number} pages/s; '
                     rf'ms/page median {number}, mean {number} \(OCR ', out,
                     re.M)
    assert re.search(rf'^peak memory: RSS {number} GB', out, re.M)


def test_folder_pages_in_bf16(tmp_path, monkeypatch, capsys):
    # bfloat16 autocast runs on any CPU, emulated where not native
    monkeypatch.setattr(benchmark, 'cpu_has_native_bf16', lambda: True)
    for name in ('a', 'b'):
        make_page(str(tmp_path), name, (300, 400),
                  [('Deep learning for document layout analysis.',
                    (20, 20, 280, 40))])
    assert benchmark.main([
        CONFIG, '--device', 'cpu', '--dtype', 'bf16', '--pages',
        str(tmp_path / 'images'), '--warmup', '0', '--short-side', '96',
        *tiny_options()]) == 0
    out = capsys.readouterr().out
    assert 'run: cpu, bf16, batch size 1, 2 pages in 2 batches' in out
    # OCR from <images>/../ocr, the config's ocr_root
    assert re.search(r'pages: 2 pages of .+/images; model input 96x128 '
                     r'\(first page\), \d+ tokens/page', out)
    assert 'OCR included: not measured (--with-ocr ENGINE)' in out


def test_bf16_refused_without_native_support(monkeypatch, capsys):
    monkeypatch.setattr(benchmark, 'cpu_has_native_bf16', lambda: False)
    assert benchmark.main([CONFIG, '--device', 'cpu', '--dtype', 'bf16']) == 1
    assert 'no native bfloat16' in capsys.readouterr().err


def test_missing_ocr_engine(monkeypatch, capsys):

    def not_installed(name):
        raise ImportError('No module named rapidocr')

    monkeypatch.setattr(benchmark, 'build_ocr_engine', not_installed)
    assert benchmark.main([CONFIG, '--device', 'cpu', '--with-ocr',
                           'rapidocr', *tiny_options()]) == 1
    assert ('OCR engine rapidocr is not installed: No module named rapidocr'
            in capsys.readouterr().err)


@pytest.mark.parametrize('pages', ['0', 'no/such/folder'])
def test_bad_pages(pages, capsys):
    assert benchmark.main([CONFIG, '--device', 'cpu', '--pages', pages]) == 1
    assert 'neither a number of pages nor a folder' in capsys.readouterr().err


def test_int8_linear_layers(capsys):
    assert benchmark.main([
        CONFIG, '--device', 'cpu', '--int8', '--pages', '1', '--warmup', '0',
        '--short-side', '96', *tiny_options()]) == 0
    # 4 blocks x (qkv, proj, fc1, fc2) of the tiny backbone
    assert ('run: cpu, fp32, int8 Linear layers (16), batch size 1, 1 pages '
            'in 1 batches') in capsys.readouterr().out


def test_int8_refused_off_the_cpu(monkeypatch, capsys):
    monkeypatch.setattr(benchmark.torch.cuda, 'is_available', lambda: True)
    assert benchmark.main([CONFIG, '--device', 'cuda', '--int8']) == 1
    assert '--int8: dynamic int8 quantisation runs on the CPU only' in (
        capsys.readouterr().err)
