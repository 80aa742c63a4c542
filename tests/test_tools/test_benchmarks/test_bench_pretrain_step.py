"""bench_pretrain_step.py: one pre-training config timed per dtype."""
import os.path as osp

import pytest
from benchmarks import bench_pretrain_step
from helpers.tokenizers import english_bpe_tokenizer

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
CONFIG = osp.join(ROOT, 'configs', 'pretrain',
                  'layoutlmv3-tiny_pretrain_synth.py')


def options(root):
    return [
        '--cfg-options', f'tokenizer={english_bpe_tokenizer()}',
        f'train_dataloader.dataset.datasets.0.data_root={root}/train/',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'train_dataloader.batch_size=2',
        'model.backbone.arch_cfg.num_layers=1',
        'model.backbone.out_indices=[0]'
    ]


@pytest.mark.parametrize('native_bf16', [True, False])
def test_reports_each_dtype_or_why_not(synth_root, capsys, monkeypatch,
                                       native_bf16):
    monkeypatch.setattr(bench_pretrain_step, 'cpu_has_native_bf16',
                        lambda: native_bf16)
    bench_pretrain_step.main([
        CONFIG, '--steps', '2', '--warmup', '1', '--no-peak', '--dtype',
        'fp32', 'bf16'
    ] + options(synth_root))
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split() for line in out.splitlines()
            if line.split() and line.split()[0] in ('fp32', 'bf16')}
    fp32 = rows['fp32']
    best, median, pages_per_s, gflop = map(float, fp32[1:5])
    assert 0 < best <= median and gflop > 0
    assert pages_per_s == pytest.approx(2 / median, rel=0.05)
    assert fp32[-1] == 'finite'
    if native_bf16:  # emulated here when the CPU has none: slow but right
        assert rows['bf16'][-1] == 'finite'
    else:
        assert 'no native bfloat16' in ' '.join(rows['bf16'])
