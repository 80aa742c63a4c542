"""Int8 dynamic quantisation of a model's Linear layers for CPU
inference."""
from typing import Sequence

from torch import nn
from torch.ao.nn.quantized.dynamic import Linear as DynamicQuantizedLinear
from torch.ao.quantization import default_dynamic_qconfig, quantize_dynamic


def quantize_linear_int8(model: nn.Module,
                         submodules: Sequence[str] = ('backbone', )) -> int:
    """Replace every ``nn.Linear`` under ``submodules`` of ``model`` by its
    int8 dynamic-quantised twin, in place (inference on CPU only).

    Weights are quantised once, per tensor, to int8; activations are
    quantised on the fly per batch, and the matmuls run in int8 through
    PyTorch's x86/fbgemm kernels (AVX2 or AVX-512 VNNI). Convolutions,
    LayerNorms, embeddings and the attention itself stay in fp32.

    Args:
        model (nn.Module): A model in ``eval`` mode on the CPU.
        submodules (Sequence[str]): Dotted names of the parts to quantise
            (``''``: every Linear of the model). Defaults to the backbone.

    Returns:
        int: The number of Linear layers replaced.

    Raises:
        KeyError: A name in ``submodules`` is not a submodule of ``model``.
        RuntimeError: The model is in training mode or has parameters off
            the CPU.
    """
    if model.training:
        raise RuntimeError('int8 dynamic quantisation is for inference: '
                           'call model.eval() first')
    devices = {p.device.type for p in model.parameters()}
    if devices - {'cpu'}:
        raise RuntimeError('int8 dynamic quantisation runs on the CPU; the '
                           f'model has parameters on {sorted(devices)}')
    names = dict(model.named_modules())
    for name in submodules:
        if name not in names:
            raise KeyError(f'{type(model).__name__} has no submodule '
                           f'{name!r} to quantise')
    linears = {
        id(module)
        for name in submodules for module in names[name].modules()
        if isinstance(module, nn.Linear)
    }
    quantize_dynamic(
        model,
        qconfig_spec={name: default_dynamic_qconfig for name in submodules},
        mapping={nn.Linear: DynamicQuantizedLinear},
        inplace=True)
    return len(linears)
