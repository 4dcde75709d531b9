"""dlnotes._stacked: model s of a stack computes what the family's module
computes for it alone, forward and backward."""

import numpy as np
import pytest

from dlnotes import _stacked as stacked
from dlnotes import gru, lstm, rnn

S, N, T, D, H = 3, 2, 5, 3, 4


def _stack(make):
    """S parameter dicts from ``make(rng)``, perturbed so the gates are not
    at their init, and the same stacked on a leading axis."""
    rng = np.random.default_rng(7)
    each = [{k: v + rng.normal(scale=0.4, size=v.shape) for k, v in make(rng).items()}
            for _ in range(S)]
    return each, {k: np.stack([p[k] for p in each]) for k in each[0]}


def _data():
    rng = np.random.default_rng(8)
    return (rng.normal(size=(S, N, T, D)), rng.normal(size=(S, N, H)),
            rng.normal(size=(S, N, H)), rng.normal(size=(S, N, T, H)))


def test_stacked_rnn_is_the_rnn_of_each_slice():
    each, params = _stack(lambda rng: rnn.init_rnn_params(D, H, 2, rng))
    x, h0, _, dh = _data()
    h, cache = stacked.rnn_forward(x, h0, params)
    grads = stacked.rnn_backward(dh, cache)
    assert h.shape == (S, N, T, H) and set(grads) == {"W_x", "W_h", "b_x"}
    for s in range(S):
        h_s, cache_s = rnn.rnn_forward(x[s], h0[s], each[s])
        np.testing.assert_allclose(h[s], h_s, rtol=1e-13, atol=1e-15)
        for k, g in rnn.rnn_backward(dh[s], cache_s)[2].items():
            np.testing.assert_allclose(grads[k][s], g, rtol=1e-12, atol=1e-14, err_msg=k)


def test_stacked_lstm_is_the_lstm_of_each_slice():
    each, params = _stack(lambda rng: lstm.lstm_init(D, H, rng))
    x, h0, c0, dh = _data()
    h, cache = stacked.lstm_forward(x, h0, c0, params)
    grads = stacked.lstm_backward(dh, cache)
    assert set(grads) == set(params)
    for s in range(S):
        h_s, _, cache_s = lstm.lstm_forward(x[s], h0[s], c0[s], each[s])
        np.testing.assert_allclose(h[s], h_s, rtol=1e-13, atol=1e-15)
        for k, g in lstm.lstm_backward(dh[s], cache_s)[3].items():
            assert grads[k].shape == (S,) + g.shape
            np.testing.assert_allclose(grads[k][s], g, rtol=1e-12, atol=1e-14, err_msg=k)


def test_stacked_gru_is_the_gru_of_each_slice():
    each, params = _stack(lambda rng: gru.gru_init(D, H, rng))
    x, h0, _, dh = _data()
    h, cache = stacked.gru_forward(x, h0, params)
    grads = stacked.gru_backward(dh, cache)
    assert set(grads) == set(params)
    for s in range(S):
        h_s, cache_s = gru.gru_forward(x[s], h0[s], each[s])
        np.testing.assert_allclose(h[s], h_s, rtol=1e-13, atol=1e-15)
        for k, g in gru.gru_backward(dh[s], cache_s)[2].items():
            np.testing.assert_allclose(grads[k][s], g, rtol=1e-12, atol=1e-14, err_msg=k)


def test_stacked_shapes_are_checked_with_names():
    _, params = _stack(lambda rng: lstm.lstm_init(D, H, rng))
    x, h0, c0, _ = _data()
    with pytest.raises(ValueError, match="x must have 4 dimensions"):
        stacked.lstm_forward(x[0], h0, c0, params)
    with pytest.raises(ValueError, match="W_f must have shape"):
        stacked.lstm_forward(x[:2], h0[:2], c0[:2], params)
    with pytest.raises(ValueError, match="h0 must have shape"):
        stacked.gru_forward(x, h0[:, :1], {})
