"""Whether a backbone takes the page text."""
import torch.nn as nn


def reads_text(backbone: nn.Module) -> bool:
    """The backbone's ``reads_text`` property; False for backbones without
    one (every mmdet image backbone, e.g. ``ResNet``)."""
    return bool(getattr(backbone, 'reads_text', False))
