"""Long short-term memory (LSTM): the source's cell, forward and backward.

For one time step, with [x_t, h_{t-1}] the concatenation (D + H values) and
``*`` the elementwise (Hadamard) product::

    f_t  = sigmoid(W_f [x_t, h_{t-1}] + b_f)      forget gate
    i_t  = sigmoid(W_i [x_t, h_{t-1}] + b_i)      input gate
    o_t  = sigmoid(W_o [x_t, h_{t-1}] + b_o)      output gate
    g_t  = tanh(W_c [x_t, h_{t-1}] + b_c)         candidate cell
    c_t  = i_t * g_t + f_t * c_{t-1}
    h_t  = o_t * tanh(c_t)

Parameters are named per gate, as in the source: ``W_f, W_i, W_o, W_c`` of
shape (H, D + H) (the first D columns act on x_t, the last H on h_{t-1}) and
``b_f, b_i, b_o, b_c`` of shape (H,).

Speed: the four gates of a step are one matrix product. Inside the forward the
per-gate matrices are stacked into W (4H, D + H), rows in the order f, i, o, c,
and split by columns into W_x (4H, D) and W_h (4H, H). The x part of every
time step does not depend on the recurrence, so it is projected for all N * T
rows in one product before the time loop; the loop only adds h_{t-1} W_h^T.
The backward mirrors this: the loop computes the pre-activation gradients,
and dx, dW_x, dW_h and db are each one product (or sum) after it.
"""

import numpy as np

from ._blocks import stack_blocks, unstack_blocks
from ._checks import check_int, check_number, check_rng, check_shape
from .activations import sigmoid

GATES = ("f", "i", "o", "c")


def _step(a_x, h_prev, c_prev, W_h):
    """One step given the x part of the pre-activations a_x (N, 4H), bias included."""
    H = h_prev.shape[1]
    a = a_x + h_prev @ W_h.T  # all four gates in one product
    fio = sigmoid(a[:, :3 * H])  # f, i, o in [0, 1]
    g = np.tanh(a[:, 3 * H:])  # the candidate, in [-1, 1]
    f, i, o = fio[:, :H], fio[:, H:2 * H], fio[:, 2 * H:]
    c = i * g + f * c_prev
    tanh_c = np.tanh(c)
    h = o * tanh_c
    return h, c, (h_prev, c_prev, fio, g, tanh_c)


def _step_backward(dh, dc, W_h, cache):
    """Back through one step: da (N, 4H), dh_prev (N, H), dc_prev (N, H).

    dh and dc are the total gradients at h_t and c_t (from the loss and from
    step t + 1); da is the gradient at the pre-activations of f, i, o, g.
    """
    h_prev, c_prev, fio, g, tanh_c = cache
    H = h_prev.shape[1]
    f, i, o = fio[:, :H], fio[:, H:2 * H], fio[:, 2 * H:]
    dc = dc + dh * o * (1.0 - tanh_c * tanh_c)  # h_t = o_t * tanh(c_t)
    # at f, i, o: from c_t = f_t * c_{t-1} + i_t * g_t and from h_t,
    # times sigmoid'
    da_fio = np.concatenate([dc * c_prev, dc * g, dh * tanh_c], axis=1)
    da_fio = da_fio * fio * (1.0 - fio)
    da_g = dc * i * (1.0 - g * g)  # times tanh'
    da = np.concatenate([da_fio, da_g], axis=1)
    return da, da @ W_h, dc * f  # dc_t / dc_{t-1} = f_t: the cell path


def lstm_step_forward(x_t, h_prev, c_prev, params):
    """One LSTM step.

    Parameters
    ----------
    x_t : ndarray (N, D), the input at time t
    h_prev, c_prev : ndarray (N, H), hidden and cell state at t - 1
    params : dict with W_f, W_i, W_o, W_c (H, D + H) and b_f, b_i, b_o, b_c (H,)

    Returns
    -------
    h, c : ndarray (N, H), hidden and cell state at t
    cache : for ``lstm_step_backward``
    """
    x_t = check_shape("x_t", x_t, ("N", "D"))
    N, D = x_t.shape
    h_prev = check_shape("h_prev", h_prev, (N, "H"))
    H = h_prev.shape[1]
    c_prev = check_shape("c_prev", c_prev, (N, H))
    W, b = stack_blocks(params, GATES, D, H, "an LSTM")
    h, c, cache = _step(x_t @ W[:, :D].T + b, h_prev, c_prev, W[:, D:])
    return h, c, (x_t, W, cache)


def lstm_step_backward(dh, dc, cache):
    """Gradients of one LSTM step.

    Parameters
    ----------
    dh, dc : ndarray (N, H), loss gradients at h_t and c_t
    cache : from ``lstm_step_forward``

    Returns
    -------
    dx_t : ndarray (N, D)
    dh_prev, dc_prev : ndarray (N, H)
    grads : dict with the keys of params
    """
    x_t, W, step = cache
    N, D = x_t.shape
    H = W.shape[0] // 4
    dh = check_shape("dh", dh, (N, H))
    dc = check_shape("dc", dc, (N, H))
    da, dh_prev, dc_prev = _step_backward(dh, dc, W[:, D:], step)
    z = np.concatenate([x_t, step[0]], axis=1)  # [x_t, h_{t-1}]
    return da @ W[:, :D], dh_prev, dc_prev, unstack_blocks(da.T @ z, da.sum(axis=0), GATES, H)


def lstm_forward(x, h0, c0, params):
    """Run an LSTM over a batch of sequences.

    Parameters
    ----------
    x : ndarray (N, T, D)
    h0, c0 : ndarray (N, H), initial hidden and cell state
    params : dict with W_f, W_i, W_o, W_c (H, D + H) and b_f, b_i, b_o, b_c (H,)

    Returns
    -------
    h : ndarray (N, T, H), the hidden state h_t at every step
    c : ndarray (N, T, H), the cell state c_t at every step (c[:, -1] is the
        final cell state, e.g. to start a decoder)
    cache : for ``lstm_backward``
    """
    x = check_shape("x", x, ("N", "T", "D"))
    N, T, D = x.shape
    h0 = check_shape("h0", h0, (N, "H"))
    H = h0.shape[1]
    c0 = check_shape("c0", c0, (N, H))
    W, b = stack_blocks(params, GATES, D, H, "an LSTM")
    W_x, W_h = W[:, :D], W[:, D:]
    # every step's x part of all four gates in one (N T, D) x (D, 4H) product
    a_x = (x.reshape(N * T, D) @ W_x.T + b).reshape(N, T, 4 * H)
    hs, cs = np.empty((N, T, H)), np.empty((N, T, H))
    h, c, steps = h0, c0, []
    for t in range(T):
        h, c, step = _step(a_x[:, t], h, c, W_h)
        hs[:, t], cs[:, t] = h, c
        steps.append(step)
    return hs, cs, (x, W, steps)


def lstm_backward(dh, cache, dc=None):
    """Back-propagation through time for ``lstm_forward``.

    Parameters
    ----------
    dh : ndarray (N, T, H), loss gradient at every h_t
    cache : from ``lstm_forward``
    dc : ndarray (N, T, H), optional loss gradient at every c_t; usually None
        (the loss reads only h), or nonzero only at the last step when c_T
        feeds something else (a decoder's initial state)

    Returns
    -------
    dx : ndarray (N, T, D)
    dh0, dc0 : ndarray (N, H)
    grads : dict with the keys of params, each the gradient summed over time
    """
    x, W, steps = cache
    N, T, D = x.shape
    H = W.shape[0] // 4
    dh = check_shape("dh", dh, (N, T, H))
    if dc is not None:
        dc = check_shape("dc", dc, (N, T, H))
    W_x, W_h = W[:, :D], W[:, D:]
    da = np.empty((N, T, 4 * H))
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dc_t = dc_next if dc is None else dc_next + dc[:, t]
        da[:, t], dh_next, dc_next = _step_backward(dh[:, t] + dh_next, dc_t, W_h, steps[t])
    # the weight gradients summed over all steps: one product each
    da2 = da.reshape(N * T, 4 * H)
    if T:
        h_prev = np.stack([s[0] for s in steps], axis=1).reshape(N * T, H)
    else:  # no step to stack: the sums over steps are zero
        h_prev = np.zeros((0, H))
    dW = np.concatenate([da2.T @ x.reshape(N * T, D), da2.T @ h_prev], axis=1)
    dx = (da2 @ W_x).reshape(N, T, D)
    return dx, dh_next, dc_next, unstack_blocks(dW, da2.sum(axis=0), GATES, H)


def lstm_gate_values(cache):
    """The gate activations of a forward pass, for plots.

    Parameters
    ----------
    cache : from ``lstm_forward``

    Returns
    -------
    gates : dict of ndarray (N, T, H): "f", "i", "o" (sigmoid, in [0, 1]) and
        "g" (the candidate cell, tanh, in [-1, 1]), new arrays
    """
    steps = cache[2]
    H = steps[0][0].shape[1]
    fio = np.stack([s[2] for s in steps], axis=1)  # (N, T, 3H)
    gates = {g: fio[..., k * H:(k + 1) * H].copy() for k, g in enumerate("fio")}
    gates["g"] = np.stack([s[3] for s in steps], axis=1)
    return gates


def cell_path_gains(f):
    """dc_T / dc_{T-n} along the cell path alone, for n = 0..T.

    c_t = f_t * c_{t-1} + ..., so the direct path from c_{T-n} to c_T scales a
    gradient by f_T * f_{T-1} * ... * f_{T-n+1}, unit by unit (a diagonal
    Jacobian): no weight matrix and no tanh' in the product.

    Parameters
    ----------
    f : ndarray (T, H), the forget gates f_1..f_T of one sequence

    Returns
    -------
    gains : ndarray (T + 1, H), gains[n] = prod of the last n forget gates
        (gains[0] = 1)
    """
    f = check_shape("f", f, ("T", "H"))
    ones = np.ones((1, f.shape[1]))
    return np.concatenate([ones, np.cumprod(f[::-1], axis=0)])


def lstm_init(input_dim, hidden, rng, forget_bias=1.0, input_bias=0.0):
    """Fresh LSTM parameters.

    Weights uniform in [-1/sqrt(H), 1/sqrt(H)] (PyTorch's default); biases zero
    except b_f = ``forget_bias``, so a new cell starts by keeping most of its
    memory (f_t near sigmoid(1) = 0.73, the usual choice), and b_i =
    ``input_bias``; a negative b_i starts with the input gate mostly shut, so
    that a cell which keeps its memory does not also fill it with every input.

    Returns
    -------
    params : dict with W_f, W_i, W_o, W_c (H, D + H) and b_f, b_i, b_o, b_c (H,)
    """
    D, H = check_int("input_dim", input_dim, 1), check_int("hidden", hidden, 1)
    rng = check_rng("rng", rng)
    check_number("forget_bias", forget_bias)
    check_number("input_bias", input_bias)
    s = 1.0 / np.sqrt(H)
    biases = {"f": float(forget_bias), "i": float(input_bias), "o": 0.0, "c": 0.0}
    params = {}
    for g in GATES:
        params[f"W_{g}"] = rng.uniform(-s, s, size=(H, D + H))
        params[f"b_{g}"] = np.full(H, biases[g])
    return params


def lstm_param_count(input_dim, hidden, biases_per_gate=1):
    """Trainable parameters of an LSTM layer: (D + H + b) * H * 4.

    Four blocks (three gates and the candidate), each a (H, D + H) matrix on
    [x_t, h_{t-1}] plus ``biases_per_gate`` vectors of H. The source's (and
    this module's) convention is one bias per gate; PyTorch and cuDNN keep two,
    b_ih and b_hh, which add 4H parameters without changing what the layer can
    compute.
    """
    D, H = check_int("input_dim", input_dim, 1), check_int("hidden", hidden, 1)
    nb = check_int("biases_per_gate", biases_per_gate, 0)
    return (D + H + nb) * H * 4
