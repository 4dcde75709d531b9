"""Gated recurrent unit (GRU), as the source writes it, forward and backward.

For one time step, with ``*`` the elementwise product::

    u_t  = sigmoid(W_u [x_t, h_{t-1}] + b_u)            update gate
    r_t  = sigmoid(W_r [x_t, h_{t-1}] + b_r)            reset gate
    g_t  = tanh(W_c [x_t, r_t * h_{t-1}] + b_c)         candidate state
    h_t  = u_t * h_{t-1} + (1 - u_t) * g_t

The reset gate acts on h_{t-1} before the product with W_c (Cho et al. 2014,
and the source). PyTorch and cuDNN apply it after: tanh(W_cx x_t + r_t *
(W_ch h_{t-1} + b_ch) + b_cx), a different model with an extra bias, not a
different way of writing this one.

Parameters: ``W_u, W_r, W_c`` of shape (H, D + H), first D columns on x_t,
last H on h_{t-1} (or on r_t * h_{t-1} for W_c), and ``b_u, b_r, b_c`` (H,).

Speed: the x parts of all three blocks, for every time step, are one
(N T, D) x (D, 3H) product before the time loop. Inside the loop both gates
come from one product h_{t-1} [W_u; W_r]_h^T; the candidate needs a second
product because its input r_t * h_{t-1} exists only after the gates. The
backward collects the pre-activation gradients in the loop and forms dx and
every weight gradient with one product each after it.
"""

import numpy as np

from ._blocks import stack_blocks, unstack_blocks
from ._checks import check_int, check_number, check_rng, check_shape
from .activations import sigmoid

BLOCKS = ("u", "r", "c")


def _step(a_x, h_prev, W_h):
    """One step given the x part of the pre-activations a_x (N, 3H), bias included.

    W_h (3H, H) holds the h columns of W_u, W_r, W_c stacked.
    """
    H = h_prev.shape[1]
    ur = sigmoid(a_x[:, :2 * H] + h_prev @ W_h[:2 * H].T)  # both gates, one product
    u, r = ur[:, :H], ur[:, H:]
    rh = r * h_prev
    g = np.tanh(a_x[:, 2 * H:] + rh @ W_h[2 * H:].T)
    h = g + u * (h_prev - g)  # = u * h_prev + (1 - u) * g
    return h, (h_prev, ur, rh, g)


def _step_backward(dh, W_h, cache):
    """Back through one step: returns da (N, 3H) at the pre-activations of
    u, r, g and dh_prev (N, H); dh is the total gradient at h_t."""
    h_prev, ur, rh, g = cache
    H = h_prev.shape[1]
    u, r = ur[:, :H], ur[:, H:]
    da_g = dh * (1.0 - u) * (1.0 - g * g)  # h_t = ... + (1 - u_t) * g_t, times tanh'
    drh = da_g @ W_h[2 * H:]  # gradient at r_t * h_{t-1}
    # at u (h_t = g_t + u_t * (h_{t-1} - g_t)) and r, times sigmoid'
    da_ur = np.concatenate([dh * (h_prev - g), drh * h_prev], axis=1) * ur * (1.0 - ur)
    dh_prev = dh * u + drh * r + da_ur @ W_h[:2 * H]
    return np.concatenate([da_ur, da_g], axis=1), dh_prev


def gru_step_forward(x_t, h_prev, params):
    """One GRU step.

    Parameters
    ----------
    x_t : ndarray (N, D), the input at time t
    h_prev : ndarray (N, H), the hidden state at t - 1
    params : dict with W_u, W_r, W_c (H, D + H) and b_u, b_r, b_c (H,)

    Returns
    -------
    h : ndarray (N, H), the hidden state at t
    cache : for ``gru_step_backward``
    """
    x_t = check_shape("x_t", x_t, ("N", "D"))
    N, D = x_t.shape
    h_prev = check_shape("h_prev", h_prev, (N, "H"))
    H = h_prev.shape[1]
    W, b = stack_blocks(params, BLOCKS, D, H, "a GRU")
    h, cache = _step(x_t @ W[:, :D].T + b, h_prev, W[:, D:])
    return h, (x_t, W, cache)


def _weight_grads(da, x, step_caches, H):
    """dW (3H, D + H) from da (K, 3H), x (K, D) and the matching h_{t-1}, r_t * h_{t-1}."""
    h_prev, rh = step_caches
    dW_h = np.concatenate([da[:, :2 * H].T @ h_prev, da[:, 2 * H:].T @ rh])
    return np.concatenate([da.T @ x, dW_h], axis=1)


def gru_step_backward(dh, cache):
    """Gradients of one GRU step.

    Parameters
    ----------
    dh : ndarray (N, H), loss gradient at h_t
    cache : from ``gru_step_forward``

    Returns
    -------
    dx_t : ndarray (N, D)
    dh_prev : ndarray (N, H)
    grads : dict with the keys of params
    """
    x_t, W, step = cache
    N, D = x_t.shape
    H = W.shape[0] // 3
    dh = check_shape("dh", dh, (N, H))
    da, dh_prev = _step_backward(dh, W[:, D:], step)
    dW = _weight_grads(da, x_t, (step[0], step[2]), H)
    return da @ W[:, :D], dh_prev, unstack_blocks(dW, da.sum(axis=0), BLOCKS, H)


def gru_forward(x, h0, params):
    """Run a GRU over a batch of sequences.

    Parameters
    ----------
    x : ndarray (N, T, D)
    h0 : ndarray (N, H), the initial hidden state
    params : dict with W_u, W_r, W_c (H, D + H) and b_u, b_r, b_c (H,)

    Returns
    -------
    h : ndarray (N, T, H), the hidden state h_t at every step
    cache : for ``gru_backward``
    """
    x = check_shape("x", x, ("N", "T", "D"))
    N, T, D = x.shape
    h0 = check_shape("h0", h0, (N, "H"))
    H = h0.shape[1]
    W, b = stack_blocks(params, BLOCKS, D, H, "a GRU")
    W_h = W[:, D:]
    # every step's x part of u, r and g in one (N T, D) x (D, 3H) product
    a_x = (x.reshape(N * T, D) @ W[:, :D].T + b).reshape(N, T, 3 * H)
    hs = np.empty((N, T, H))
    h, steps = h0, []
    for t in range(T):
        h, step = _step(a_x[:, t], h, W_h)
        hs[:, t] = h
        steps.append(step)
    return hs, (x, W, steps)


def gru_backward(dh, cache):
    """Back-propagation through time for ``gru_forward``.

    Parameters
    ----------
    dh : ndarray (N, T, H), loss gradient at every h_t
    cache : from ``gru_forward``

    Returns
    -------
    dx : ndarray (N, T, D)
    dh0 : ndarray (N, H)
    grads : dict with the keys of params, each the gradient summed over time
    """
    x, W, steps = cache
    N, T, D = x.shape
    H = W.shape[0] // 3
    dh = check_shape("dh", dh, (N, T, H))
    W_h = W[:, D:]
    da = np.empty((N, T, 3 * H))
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        da[:, t], dh_next = _step_backward(dh[:, t] + dh_next, W_h, steps[t])
    # the weight gradients summed over all steps: one product per block of W
    da2 = da.reshape(N * T, 3 * H)
    if T:
        h_prev = np.stack([s[0] for s in steps], axis=1).reshape(N * T, H)
        rh = np.stack([s[2] for s in steps], axis=1).reshape(N * T, H)
    else:  # no step to stack: the sums over steps are zero
        h_prev = rh = np.zeros((0, H))
    dW = _weight_grads(da2, x.reshape(N * T, D), (h_prev, rh), H)
    dx = (da2 @ W[:, :D]).reshape(N, T, D)
    return dx, dh_next, unstack_blocks(dW, da2.sum(axis=0), BLOCKS, H)


def gru_gate_values(cache):
    """The gate activations of a forward pass, for plots.

    Parameters
    ----------
    cache : from ``gru_forward``

    Returns
    -------
    gates : dict of ndarray (N, T, H): "u", "r" (sigmoid, in [0, 1]) and "g"
        (the candidate state, tanh, in [-1, 1]), new arrays
    """
    steps = cache[2]
    H = steps[0][0].shape[1]
    ur = np.stack([s[1] for s in steps], axis=1)  # (N, T, 2H)
    return {"u": ur[..., :H].copy(), "r": ur[..., H:].copy(),
            "g": np.stack([s[3] for s in steps], axis=1)}


def gru_init(input_dim, hidden, rng, update_bias=0.0):
    """Fresh GRU parameters: weights uniform in [-1/sqrt(H), 1/sqrt(H)]
    (PyTorch's default), biases zero except b_u = ``update_bias``. A positive
    b_u starts the unit close to copying its state (u_t near 1), the GRU's
    counterpart of an LSTM's forget-gate bias.

    Returns
    -------
    params : dict with W_u, W_r, W_c (H, D + H) and b_u, b_r, b_c (H,)
    """
    D, H = check_int("input_dim", input_dim, 1), check_int("hidden", hidden, 1)
    rng = check_rng("rng", rng)
    check_number("update_bias", update_bias)
    s = 1.0 / np.sqrt(H)
    params = {}
    for g in BLOCKS:
        params[f"W_{g}"] = rng.uniform(-s, s, size=(H, D + H))
        params[f"b_{g}"] = np.full(H, float(update_bias) if g == "u" else 0.0)
    return params


def gru_param_count(input_dim, hidden, biases_per_gate=1):
    """Trainable parameters of a GRU layer: (D + H + b) * H * 3.

    Three blocks (two gates and the candidate), each a (H, D + H) matrix plus
    ``biases_per_gate`` vectors of H. The source's convention is one bias per
    block; PyTorch keeps two (b_ih, b_hh), 3H more parameters, and for the
    candidate the second one sits inside the reset gate's product.
    """
    D, H = check_int("input_dim", input_dim, 1), check_int("hidden", hidden, 1)
    nb = check_int("biases_per_gate", biases_per_gate, 0)
    return (D + H + nb) * H * 3
