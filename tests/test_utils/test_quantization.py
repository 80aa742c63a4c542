"""Int8 dynamic quantisation of the backbone's Linear layers."""
import pytest
import torch
from helpers.models import TINY_ARCH
from torch import nn
from torch.ao.nn.quantized.dynamic import Linear as DynamicQuantizedLinear

from mmlayout.models.backbones import LayoutLMv3MM
from mmlayout.utils import quantize_linear_int8


class Detector(nn.Module):
    """A tiny LayoutLMv3MM as ``backbone`` beside a Linear ``head``."""

    def __init__(self):
        super().__init__()
        self.backbone = LayoutLMv3MM(
            arch='base', arch_cfg=dict(TINY_ARCH, num_layers=2),
            out_indices=(1, ), drop_path_rate=0.)
        self.head = nn.Linear(64, 3)


def page(seed=0):
    generator = torch.Generator().manual_seed(seed)
    corner = torch.randint(0, 900, (1, 12, 2), generator=generator)
    return dict(
        images=torch.randn(1, 3, 64, 96, generator=generator),
        input_ids=torch.randint(3, 100, (1, 12), generator=generator),
        bboxes=torch.cat([corner, corner + 50], -1),
        attention_mask=torch.ones(1, 12, dtype=torch.long))


def test_backbone_linears_quantized_outputs_close():
    torch.manual_seed(0)
    model = Detector().eval()
    linears = sum(isinstance(m, nn.Linear) for m in model.backbone.modules())
    inputs = page()
    with torch.no_grad():
        expected = model.backbone(**inputs)
        assert quantize_linear_int8(model) == linears > 0
        out = model.backbone(**inputs)
    assert not any(type(m) is nn.Linear for m in model.backbone.modules())
    assert sum(isinstance(m, DynamicQuantizedLinear)
               for m in model.backbone.modules()) == linears
    assert type(model.head) is nn.Linear  # outside the named parts
    for state, reference in zip([*out, *out.text_states],
                                [*expected, *expected.text_states]):
        error = (state - reference).norm() / reference.norm()
        assert 0 < error < 0.05


def test_a_linear_named_directly_and_the_whole_model():
    model = Detector().eval()
    assert quantize_linear_int8(model, ['head']) == 1
    assert isinstance(model.head, DynamicQuantizedLinear)
    model = Detector().eval()
    quantize_linear_int8(model, [''])
    assert not any(type(m) is nn.Linear for m in model.modules())


def test_refusals():
    model = Detector()
    with pytest.raises(RuntimeError, match='call model.eval'):
        quantize_linear_int8(model)
    with pytest.raises(KeyError, match="no submodule 'neck'"):
        quantize_linear_int8(model.eval(), ['neck'])
