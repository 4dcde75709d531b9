"""S independent recurrent layers run in lockstep, for studies over seeds.

A finding about training ("the GRU solves lag 64") needs several seeds, and a
small recurrent layer spends its time in numpy's per-call overhead, not in
arithmetic: one model or eight cost about the same per time step. So these
functions run S models at once, each with its own weights and its own data,
stacked on a leading axis S. Model s of a stacked call computes exactly what
the family's module computes for it alone (``rnn_forward``, ``lstm_forward``,
``gru_forward`` and their backwards): the same formulas, with the products
batched over S. tests/test_stacked.py checks it slice by slice against them.

Shapes: x (S, N, T, D); states (S, N, H); every parameter of the family's
module with S in front, e.g. the LSTM's ``W_f`` (S, H, D + H), ``b_f`` (S, H).
The backwards return the weight gradients only (no dx): what training needs.
"""

import numpy as np

from ._checks import check_shape
from .activations import sigmoid

LSTM_GATES = ("f", "i", "o", "c")
GRU_BLOCKS = ("u", "r", "c")


def _t(a):
    """Transpose the last two axes: W.T for every model of the stack."""
    return np.swapaxes(a, -1, -2)


def _check_x(x, h0):
    x = check_shape("x", x, ("S", "N", "T", "D"))
    h0 = check_shape("h0", h0, x.shape[:2] + ("H",))
    return x, h0


def _stack(params, names, S, D, H):
    """W (S, k H, D + H) and b (S, k H) from per-block params, rows in the
    order of ``names``."""
    W = np.concatenate([check_shape(f"W_{g}", params[f"W_{g}"], (S, H, D + H))
                        for g in names], axis=1)
    b = np.concatenate([check_shape(f"b_{g}", params[f"b_{g}"], (S, H))
                        for g in names], axis=1)
    return W, b


def _unstack(dW, db, names, H):
    return {k: v for j, g in enumerate(names)
            for k, v in ((f"W_{g}", dW[:, j * H:(j + 1) * H]),
                         (f"b_{g}", db[:, j * H:(j + 1) * H]))}


def _project_x(x, W_x, b):
    """x_t W_x^T + b for every step of every sequence: (S, N, T, k H)."""
    S, N, T, D = x.shape
    return (x.reshape(S, N * T, D) @ _t(W_x) + b[:, None]).reshape(S, N, T, -1)


def rnn_forward(x, h0, params):
    """S vanilla RNNs, h_t = tanh(W_x x_t + W_h h_{t-1} + b_x).

    Parameters
    ----------
    x : ndarray (S, N, T, D); h0 : ndarray (S, N, H)
    params : dict with W_x (S, H, D), W_h (S, H, H), b_x (S, H); other keys
        are ignored

    Returns
    -------
    h : ndarray (S, N, T, H)
    cache : for ``rnn_backward``
    """
    x, h0 = _check_x(x, h0)
    S, N, T, D = x.shape
    H = h0.shape[2]
    W_x = check_shape("W_x", params["W_x"], (S, H, D))
    W_h = check_shape("W_h", params["W_h"], (S, H, H))
    b_x = check_shape("b_x", params["b_x"], (S, H))
    a_x = _project_x(x, W_x, b_x)
    h = np.empty((S, N, T, H))
    h_prev, W_hT = h0, _t(W_h)
    for t in range(T):
        h_prev = h[:, :, t] = np.tanh(a_x[:, :, t] + h_prev @ W_hT)
    return h, (x, h0, W_h, h)


def rnn_backward(dh, cache):
    """Full back-propagation through time of ``rnn_forward``.

    Parameters
    ----------
    dh : ndarray (S, N, T, H), loss gradient at every h_t

    Returns
    -------
    grads : dict W_x (S, H, D), W_h (S, H, H), b_x (S, H)
    """
    x, h0, W_h, h = cache
    S, N, T, H = h.shape
    dh = check_shape("dh", dh, h.shape)
    da = np.empty_like(h)
    carry = np.zeros((S, N, H))
    for t in range(T - 1, -1, -1):
        da[:, :, t] = (dh[:, :, t] + carry) * (1.0 - h[:, :, t] ** 2)
        carry = da[:, :, t] @ W_h
    h_prev = np.concatenate([h0[:, :, None], h[:, :, :-1]], axis=2)
    da2 = da.reshape(S, N * T, H)
    return {"W_x": _t(da2) @ x.reshape(S, N * T, -1),
            "W_h": _t(da2) @ h_prev.reshape(S, N * T, H),
            "b_x": da2.sum(axis=1)}


def lstm_forward(x, h0, c0, params):
    """S LSTMs (the equations of ``dlnotes.lstm``), all four gates of a step
    in one batched product.

    Parameters
    ----------
    x : ndarray (S, N, T, D); h0, c0 : ndarray (S, N, H)
    params : dict with W_f, W_i, W_o, W_c (S, H, D + H), b_f, b_i, b_o, b_c
        (S, H); other keys are ignored

    Returns
    -------
    h : ndarray (S, N, T, H)
    cache : for ``lstm_backward``
    """
    x, h0 = _check_x(x, h0)
    S, N, T, D = x.shape
    H = h0.shape[2]
    c0 = check_shape("c0", c0, h0.shape)
    W, b = _stack(params, LSTM_GATES, S, D, H)
    a_x = _project_x(x, W[..., :D], b)
    W_hT = _t(W[..., D:])
    hs = np.empty((S, N, T, H))
    h, c, steps = h0, c0, []
    for t in range(T):
        a = a_x[:, :, t] + h @ W_hT
        fio = sigmoid(a[..., :3 * H])
        g = np.tanh(a[..., 3 * H:])
        c_prev, h_prev = c, h
        c = fio[..., H:2 * H] * g + fio[..., :H] * c_prev
        tanh_c = np.tanh(c)
        h = hs[:, :, t] = fio[..., 2 * H:] * tanh_c
        steps.append((h_prev, c_prev, fio, g, tanh_c))
    return hs, (x, W, steps)


def lstm_backward(dh, cache):
    """Back-propagation through time of ``lstm_forward``.

    Parameters
    ----------
    dh : ndarray (S, N, T, H), loss gradient at every h_t

    Returns
    -------
    grads : dict with the keys of params, W_g (S, H, D + H), b_g (S, H)
    """
    x, W, steps = cache
    S, N, T, D = x.shape
    H = W.shape[1] // 4
    dh = check_shape("dh", dh, (S, N, T, H))
    W_h = W[..., D:]
    da = np.empty((S, N, T, 4 * H))
    dh_next, dc_next = np.zeros((S, N, H)), np.zeros((S, N, H))
    for t in reversed(range(T)):
        h_prev, c_prev, fio, g, tanh_c = steps[t]
        f, i, o = fio[..., :H], fio[..., H:2 * H], fio[..., 2 * H:]
        dh_t = dh[:, :, t] + dh_next
        dc = dc_next + dh_t * o * (1.0 - tanh_c * tanh_c)
        da_fio = np.concatenate([dc * c_prev, dc * g, dh_t * tanh_c], axis=-1)
        da[:, :, t, :3 * H] = da_fio * fio * (1.0 - fio)
        da[:, :, t, 3 * H:] = dc * i * (1.0 - g * g)
        dh_next, dc_next = da[:, :, t] @ W_h, dc * f
    da2 = da.reshape(S, N * T, 4 * H)
    h_prev = np.stack([s[0] for s in steps], axis=2).reshape(S, N * T, H)
    dW = np.concatenate([_t(da2) @ x.reshape(S, N * T, D), _t(da2) @ h_prev], axis=-1)
    return _unstack(dW, da2.sum(axis=1), LSTM_GATES, H)


def gru_forward(x, h0, params):
    """S GRUs (the equations of ``dlnotes.gru``, reset gate before the product).

    Parameters
    ----------
    x : ndarray (S, N, T, D); h0 : ndarray (S, N, H)
    params : dict with W_u, W_r, W_c (S, H, D + H), b_u, b_r, b_c (S, H);
        other keys are ignored

    Returns
    -------
    h : ndarray (S, N, T, H)
    cache : for ``gru_backward``
    """
    x, h0 = _check_x(x, h0)
    S, N, T, D = x.shape
    H = h0.shape[2]
    W, b = _stack(params, GRU_BLOCKS, S, D, H)
    a_x = _project_x(x, W[..., :D], b)
    W_urT, W_cT = _t(W[:, :2 * H, D:]), _t(W[:, 2 * H:, D:])
    hs = np.empty((S, N, T, H))
    h, steps = h0, []
    for t in range(T):
        ur = sigmoid(a_x[:, :, t, :2 * H] + h @ W_urT)
        rh = ur[..., H:] * h
        g = np.tanh(a_x[:, :, t, 2 * H:] + rh @ W_cT)
        h_prev = h
        h = hs[:, :, t] = g + ur[..., :H] * (h_prev - g)
        steps.append((h_prev, ur, rh, g))
    return hs, (x, W, steps)


def gru_backward(dh, cache):
    """Back-propagation through time of ``gru_forward``.

    Parameters
    ----------
    dh : ndarray (S, N, T, H), loss gradient at every h_t

    Returns
    -------
    grads : dict with the keys of params, W_g (S, H, D + H), b_g (S, H)
    """
    x, W, steps = cache
    S, N, T, D = x.shape
    H = W.shape[1] // 3
    dh = check_shape("dh", dh, (S, N, T, H))
    W_ur, W_c = W[:, :2 * H, D:], W[:, 2 * H:, D:]
    da = np.empty((S, N, T, 3 * H))
    dh_next = np.zeros((S, N, H))
    for t in reversed(range(T)):
        h_prev, ur, rh, g = steps[t]
        u, r = ur[..., :H], ur[..., H:]
        dh_t = dh[:, :, t] + dh_next
        da_g = dh_t * (1.0 - u) * (1.0 - g * g)
        drh = da_g @ W_c
        da_ur = np.concatenate([dh_t * (h_prev - g), drh * h_prev], axis=-1) * ur * (1.0 - ur)
        da[:, :, t, :2 * H], da[:, :, t, 2 * H:] = da_ur, da_g
        dh_next = dh_t * u + drh * r + da_ur @ W_ur
    da2 = da.reshape(S, N * T, 3 * H)
    h_prev = np.stack([s[0] for s in steps], axis=2).reshape(S, N * T, H)
    rh = np.stack([s[2] for s in steps], axis=2).reshape(S, N * T, H)
    dW_h = np.concatenate([_t(da2[..., :2 * H]) @ h_prev, _t(da2[..., 2 * H:]) @ rh], axis=1)
    dW = np.concatenate([_t(da2) @ x.reshape(S, N * T, D), dW_h], axis=-1)
    return _unstack(dW, da2.sum(axis=1), GRU_BLOCKS, H)
