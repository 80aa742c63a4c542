import os.path as osp
import re

import pytest
import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint
from analysis_tools import profile_detector
from helpers.tokenizers import english_bpe_tokenizer

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
CONFIG = osp.join(ROOT, 'configs', 'demo', 'layoutmm-tiny_cascade_synth.py')
BACKBONE = ['backbone: patch embedding', 'backbone: text embedding',
            'backbone: attention bias (1D + 2D)',
            'backbone: attention (qkv, SDPA, proj)', 'backbone: MLP',
            'backbone: other (pos embed, norms, residuals)']
FORWARD = ['data: pipeline', 'data: preprocessor', *BACKBONE, 'fusion',
           'neck', 'RPN head', 'RPN proposals (decode + NMS)',
           'RoI stage 1', 'RoI stage 2', 'RoI stage 3',
           'RoI head: other (rois, glue)']
NUMBER = r'\d+\.\d+'
ROW = re.compile(rf'^(\S.*?)\s+({NUMBER})\s+({NUMBER}) %', re.M)


def tables(out: str) -> dict:
    """Rows ``name: (ms, share)`` of each printed table, by its title's
    first word (``inference`` or ``training``)."""
    found = {}
    for section in out.split('\n\n')[1:]:
        title = section.split('\n', 1)[0]
        rows = {name: (float(ms), float(share))
                for name, ms, share in ROW.findall(section)}
        found[re.split(r'[ ,]', title)[0]] = rows
    return found


def test_both_modes_on_the_tiny_model(monkeypatch, capsys):
    # the peak as if measured (measuring takes seconds)
    monkeypatch.setattr(profile_detector, 'measure_peaks',
                        lambda device: {'fp32': 50., 'bf16': 5.})
    assert profile_detector.main([
        CONFIG, '--device', 'cpu', '--mode', 'both', '--pages', '1',
        '--warmup', '0', '--repeat', '1', '--short-side', '128',
        '--cfg-options', f'tokenizer={english_bpe_tokenizer()}'
    ]) == 0
    out = capsys.readouterr().out
    assert re.search(r'^CPU: .+ \(\d+ cores\), capability \w+, native bf16 '
                     r'(yes|no); torch .+, \d+ threads', out, re.M)
    assert ('matmul peak (measure_peaks of tools/benchmarks/'
            'bench_backbone.py): fp32 50 GFLOP/s, bf16 5 GFLOP/s') in out
    found = tables(out)
    assert set(found) == {'inference', 'training'}
    inference, training = found['inference'], found['training']
    assert list(inference) == [
        *FORWARD, 'final NMS / post-processing', 'other', 'total']
    # the backward, split into the rows of the forward ops (none of the
    # data pipeline, whose ops make no autograd nodes)
    backward = [row for row in training if row.startswith('backward of ')]
    assert list(training) == [*FORWARD, *backward, 'optimizer step',
                              'other', 'total']
    for row in ('backbone: attention bias (1D + 2D)',
                'backbone: attention (qkv, SDPA, proj)', 'backbone: MLP',
                'fusion', 'neck', 'RPN head', 'RoI stage 1', 'RoI stage 2',
                'RoI stage 3'):
        assert f'backward of {row}' in backward
    assert 'backward of data: pipeline' not in backward
    for rows in (inference, training):
        total_ms, total_share = rows.pop('total')
        assert all(ms > 0 for ms, _ in rows.values()), rows
        assert sum(share for _, share in rows.values()) == pytest.approx(
            100, abs=0.5)
        assert sum(ms for ms, _ in rows.values()) == pytest.approx(
            total_ms, rel=1e-3)
        assert total_share == 100
    assert re.search(rf'^backbone forward: {NUMBER} GFLOP in {NUMBER} ms, '
                     rf'{NUMBER} GFLOP/s, {NUMBER} % of the fp32 matmul '
                     'peak$', out, re.M)
    assert re.search(r'^backbone forward \+ backward \(backward FLOPs taken '
                     r'as 2x the forward\): ', out, re.M)
    assert 'backward: split in the proportions of one profiled step' in out


@pytest.mark.parametrize('config, backbone', [
    ('r18_cascade_synth.py', ['backbone (ResNet)']),
    ('r18-text_cascade_synth.py', [
        'backbone (ResNet)',
        *(row.replace('backbone', 'text encoder') for row in BACKBONE)
    ]),
])
def test_image_backbones(config, backbone, capsys):
    assert profile_detector.main([
        osp.join(ROOT, 'configs', 'demo', config), '--device', 'cpu',
        '--mode', 'infer', '--warmup', '0', '--repeat', '1',
        '--short-side', '96', '--no-peak', '--cfg-options',
        f'tokenizer={english_bpe_tokenizer()}'
    ]) == 0
    out = capsys.readouterr().out
    assert 'matmul peak: not measured (--no-peak)' in out
    rows = tables(out)['inference']
    fusion = ['fusion'] if 'text' in config else []
    assert list(rows) == [
        'data: pipeline', 'data: preprocessor', *backbone, *fusion, 'neck',
        *FORWARD[-6:], 'final NMS / post-processing', 'other', 'total']
    assert '% of the fp32 matmul peak' not in out


def test_backward_split_follows_the_forward_rows():
    clock = profile_detector.ComponentClock('cpu')
    first, second = nn.Linear(16, 32), nn.Linear(32, 8)
    clock.time_module(first, 'first')
    clock.time_module(second, 'second')
    with torch.profiler.profile() as prof:
        with clock.region('other'):
            with clock.region('pipeline'):
                # no autograd node, but the sequence number of the next
                inputs = torch.randn(4, 16).mul(2)
            # the backward runs the checkpointed forward again
            hidden = checkpoint(first, inputs, use_reentrant=False)
            loss = second(hidden).pow(2).mean()
            with clock.region('backward', pause=True):
                loss.backward()
    split = profile_detector.backward_split(prof.events(), on_cuda=False)
    assert set(split) == {'backward of first', 'backward of second',
                          'backward of other', 'backward: recompute of first'}
    assert sum(split.values()) == pytest.approx(1)
    assert all(share > 0 for share in split.values())
    # the recomputation is not forward time
    assert set(clock.seconds) == {'first', 'second', 'pipeline', 'other',
                                  'backward'}
    assert all(seconds >= 0 for seconds in clock.seconds.values())


@pytest.mark.parametrize('option, value', [('--repeat', '0'),
                                           ('--pages', '0'),
                                           ('--warmup', '-1')])
def test_bad_counts(option, value, capsys):
    assert profile_detector.main([CONFIG, option, value]) == 1
    low = 0 if option == '--warmup' else 1
    assert (f'{option} {value}: must be {low} or more'
            in capsys.readouterr().err)


def test_bad_mode(capsys):
    with pytest.raises(SystemExit):
        profile_detector.main([CONFIG, '--mode', 'fast'])
    assert "argument --mode: invalid choice: 'fast'" in capsys.readouterr().err
