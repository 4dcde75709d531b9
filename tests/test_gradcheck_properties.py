"""Gradient checks at random shapes, drawn by hypothesis (as minitorch does).

The fixed-shape checks in each layer's tests pick a few shapes by hand; here
hypothesis draws the sizes (1 included, where an axis of length one hides a
transposed product or a wrong sum axis) and a seed for the values, which are
of order one, the scale ``fd_error_bound`` assumes. The tolerance of every
comparison is that bound: the central difference's own round-off and
truncation error, not a loose relative 1e-7.

Runs are derandomized (the same examples on every run and machine, so a
failure reproduces) and small (a few examples each), to keep the suite fast.
"""

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dlnotes.conv import conv2d_backward, conv2d_forward
from dlnotes.dense import dense_backward, dense_forward
from dlnotes.gradcheck import assert_grad_within, fd_error_bound, numerical_gradient
from dlnotes.gru import gru_backward, gru_forward, gru_init
from dlnotes.losses import softmax_cross_entropy
from dlnotes.lstm import lstm_backward, lstm_forward, lstm_init
from dlnotes.rnn import init_rnn_params, rnn_backward, rnn_forward, rnn_truncated_states

FAST = settings(max_examples=8, deadline=None, derandomize=True, database=None)
size = st.integers(1, 4)
seed = st.integers(0, 2**32 - 1)


def _check(f, out, dout, pairs, d3=None):
    """Every (name, input, analytic gradient) of ``pairs`` against the central
    difference of sum(f() * dout), within fd_error_bound."""
    bound = fd_error_bound(out, dout, d3=d3)
    for name, arr, grad in pairs:
        assert_grad_within(name, numerical_gradient(f, arr, dout), grad, bound)


@FAST
@given(n=size, d=size, m=size, seed=seed)
def test_dense_at_random_shapes(n, d, m, seed):
    rng = np.random.default_rng(seed)
    x, W, b = rng.normal(size=(n, d)), rng.normal(size=(m, d)), rng.normal(size=m)
    out, cache = dense_forward(x, W, b)
    dout = rng.normal(size=out.shape)
    dx, dW, db = dense_backward(dout, cache)
    f = lambda: dense_forward(x, W, b)[0]  # noqa: E731
    _check(f, out, dout, [("x", x, dx), ("W", W, dW), ("b", b, db)], d3=0)  # linear


@FAST
@given(n=size, m=st.integers(2, 5), seed=seed)
def test_softmax_cross_entropy_at_random_shapes(n, m, seed):
    rng = np.random.default_rng(seed)
    logits, labels = rng.normal(size=(n, m)), rng.integers(0, m, n)
    loss, dlogits = softmax_cross_entropy(logits, labels)
    f = lambda: softmax_cross_entropy(logits, labels)[0]  # noqa: E731
    _check(f, loss, None, [("logits", logits, dlogits)])


@FAST
@given(n=st.integers(1, 2), c=st.integers(1, 2), f=st.integers(1, 3), k=st.integers(1, 3),
       stride=st.integers(1, 2), pad=st.integers(0, 1), oh=st.integers(1, 3),
       ow=st.integers(1, 3), seed=seed)
def test_conv2d_at_random_shapes(n, c, f, k, stride, pad, oh, ow, seed):
    # an input the windows tile exactly: H + 2 pad = (OH - 1) stride + K
    h, w = (oh - 1) * stride + k - 2 * pad, (ow - 1) * stride + k - 2 * pad
    assume(h >= 1 and w >= 1)  # else the padding alone holds the window
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, c, h, w))
    W, b = rng.normal(size=(f, c, k, k)), rng.normal(size=f)
    out, cache = conv2d_forward(x, W, b, stride, pad)
    dout = rng.normal(size=out.shape)
    dx, dW, db = conv2d_backward(dout, cache)
    fwd = lambda: conv2d_forward(x, W, b, stride, pad)[0]  # noqa: E731
    _check(fwd, out, dout, [("x", x, dx), ("W", W, dW), ("b", b, db)], d3=0)  # bilinear


@FAST
@given(n=size, t=st.integers(1, 5), d=size, h=size, truncate=st.none() | st.integers(1, 5),
       seed=seed)
def test_rnn_bptt_at_random_shapes_and_windows(n, t, d, h, truncate, seed):
    rng = np.random.default_rng(seed)
    params = init_rnn_params(d, h, 2, rng, radius=1.2)
    params["b_x"] = rng.normal(size=h)
    x, h0 = rng.normal(size=(n, t, d)), rng.normal(size=(n, h))
    hs, cache = rnn_forward(x, h0, params)
    dh = rng.normal(size=hs.shape)
    dx, dh0, grads = rnn_backward(dh, cache, truncate=truncate)
    if truncate is None:
        f = lambda: rnn_forward(x, h0, params)[0]  # noqa: E731
    else:  # the truncated gradient is exact for the windowed objective
        h_fixed = hs.copy()
        f = lambda: rnn_truncated_states(x, h0, params, h_fixed, truncate)  # noqa: E731
    _check(f, hs, dh, [("x", x, dx), ("h0", h0, dh0)]
           + [(k, params[k], grads[k]) for k in ("W_x", "W_h", "b_x")])


@FAST
@given(n=size, t=st.integers(1, 4), d=size, h=size, seed=seed)
def test_gru_at_random_shapes(n, t, d, h, seed):
    rng = np.random.default_rng(seed)
    params = {k: rng.normal(scale=0.7, size=v.shape) for k, v in gru_init(d, h, rng).items()}
    x, h0 = rng.normal(size=(n, t, d)), rng.normal(size=(n, h))
    hs, cache = gru_forward(x, h0, params)
    dh = rng.normal(size=hs.shape)
    dx, dh0, grads = gru_backward(dh, cache)
    f = lambda: gru_forward(x, h0, params)[0]  # noqa: E731
    _check(f, hs, dh, [("x", x, dx), ("h0", h0, dh0)]
           + [(k, p, grads[k]) for k, p in params.items()])


@FAST
@given(n=size, t=st.integers(1, 4), d=size, h=size, seed=seed)
def test_lstm_at_random_shapes(n, t, d, h, seed):
    rng = np.random.default_rng(seed)
    params = {k: rng.normal(scale=0.7, size=v.shape) for k, v in lstm_init(d, h, rng).items()}
    x, h0, c0 = rng.normal(size=(n, t, d)), rng.normal(size=(n, h)), rng.normal(size=(n, h))
    hs, _, cache = lstm_forward(x, h0, c0, params)
    dh = rng.normal(size=hs.shape)
    dx, dh0, dc0, grads = lstm_backward(dh, cache)
    f = lambda: lstm_forward(x, h0, c0, params)[0]  # noqa: E731
    _check(f, hs, dh, [("x", x, dx), ("h0", h0, dh0), ("c0", c0, dc0)]
           + [(k, p, grads[k]) for k, p in params.items()])
