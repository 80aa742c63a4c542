import pickle

import torch

from mmlayout.structures import LayoutLMv3Output


def _maps():
    return [torch.randn(2, 8, 3, 5), torch.randn(2, 8, 3, 5)]


def test_is_a_tuple_of_the_visual_maps():
    maps = _maps()
    states = [torch.randn(2, 7, 8), torch.randn(2, 7, 8)]
    mask = torch.ones(2, 7, dtype=torch.bool)
    output = LayoutLMv3Output(maps, states, mask)
    assert isinstance(output, tuple) and len(output) == 2
    first, second = output  # unpacks like the tuple a neck expects
    assert first is maps[0] and second is maps[1] and output[1] is maps[1]
    assert output.visual_maps == tuple(maps)
    assert type(output.visual_maps) is tuple
    assert isinstance(output.text_states, tuple)
    assert all(a is b for a, b in zip(output.text_states, states))
    assert output.text_mask is mask
    # slicing and tuple() give plain tuples, without the attributes
    assert type(output[:1]) is tuple and type(tuple(output)) is tuple


def test_without_text():
    output = LayoutLMv3Output(_maps())
    assert output.text_states is None and output.text_mask is None
    assert repr(output) == ('LayoutLMv3Output(visual_maps=[(2, 8, 3, 5), '
                            '(2, 8, 3, 5)], text_states=[None])')


def test_repr_and_pickle():
    output = LayoutLMv3Output(_maps(), [torch.randn(2, 7, 8)] * 2,
                              torch.ones(2, 7, dtype=torch.bool))
    assert repr(output) == (
        'LayoutLMv3Output(visual_maps=[(2, 8, 3, 5), (2, 8, 3, 5)], '
        'text_states=[(2, 7, 8), (2, 7, 8)])')
    restored = pickle.loads(pickle.dumps(output))
    assert isinstance(restored, LayoutLMv3Output)
    assert torch.equal(restored[0], output[0])
    assert torch.equal(restored.text_states[1], output.text_states[1])
    assert torch.equal(restored.text_mask, output.text_mask)
