import io
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import mmlayout  # noqa: F401  allow-lists the types
from mmlayout.utils.checkpoint import history_buffer_getattr


class NotAllowed:
    pass


def roundtrip(obj):
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def test_message_hub_state_loads_with_weights_only():
    hub = MessageHub.get_instance('mmlayout-test')
    for value in (1.5, 2.0, 0.25):
        hub.update_scalar('train/loss', value)
    hub.update_info('iter', 3)
    state = roundtrip(dict(message_hub=hub.state_dict(),
                           meta=dict(seed=np.int64(7),
                                     mean=np.float32(0.5),
                                     scores=np.arange(3.0))))
    buffer = state['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.mean() == pytest.approx((1.5 + 2.0 + 0.25) / 3)
    assert state['meta']['seed'] == 7
    np.testing.assert_array_equal(state['meta']['scores'], [0., 1., 2.])


def test_other_types_are_still_refused():
    with pytest.raises(pickle.UnpicklingError):
        roundtrip(dict(payload=NotAllowed()))


def test_getattr_resolves_only_history_buffer_methods():
    # A pickled reference to the builtin comes back as the restricted one.
    assert roundtrip(dict(f=getattr))['f'] is history_buffer_getattr

    class Payload:
        def __reduce__(self):
            return getattr, (np.ndarray, 'tofile')

    with pytest.raises(pickle.UnpicklingError, match='only public methods'):
        roundtrip(Payload())
