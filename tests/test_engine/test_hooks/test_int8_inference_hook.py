"""Int8InferenceHook quantises the model once the checkpoint is loaded."""
from types import SimpleNamespace

import torch
from torch import nn
from torch.ao.nn.quantized.dynamic import Linear as DynamicQuantizedLinear

from mmlayout.engine.hooks import Int8InferenceHook


def test_before_test_quantizes_the_named_parts(monkeypatch):
    model = nn.Module()
    model.backbone = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 4))
    model.head = nn.Linear(4, 2)
    model.train()  # the runner's model may still be in training mode
    messages = []
    monkeypatch.setattr(
        'mmlayout.engine.hooks.int8_inference_hook.print_log',
        lambda message, logger: messages.append(message))
    Int8InferenceHook().before_test(SimpleNamespace(model=model))
    assert not model.training
    assert all(isinstance(model.backbone[i], DynamicQuantizedLinear)
               for i in (0, 2))
    assert type(model.head) is nn.Linear
    assert messages == ['int8 dynamic quantisation: 2 Linear layers of '
                        'backbone replaced']
    assert model.backbone(torch.randn(3, 8)).shape == (3, 4)
