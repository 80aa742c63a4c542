"""Int8 dynamic quantisation of the tested model's Linear layers."""
from typing import Sequence

from mmdet.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from ...utils.quantization import quantize_linear_int8


@HOOKS.register_module()
class Int8InferenceHook(Hook):
    """Before testing (after the checkpoint is loaded), replace the Linear
    layers of ``submodules`` by int8 dynamic-quantised ones
    (:func:`~mmlayout.utils.quantization.quantize_linear_int8`).

    CPU inference only. The hook acts before the test loop, never before
    validation inside training, where it would quantise the model being
    trained. ``tools/test.py --int8`` adds it.

    Args:
        submodules (Sequence[str]): Dotted names of the model's parts to
            quantise. Defaults to ``('backbone', )``.
    """

    priority = 'VERY_LOW'

    def __init__(self, submodules: Sequence[str] = ('backbone', )) -> None:
        self.submodules = tuple(submodules)

    def before_test(self, runner) -> None:
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        model.eval()
        count = quantize_linear_int8(model, self.submodules)
        print_log(
            f'int8 dynamic quantisation: {count} Linear layers of '
            f'{", ".join(self.submodules)} replaced', logger='current')
