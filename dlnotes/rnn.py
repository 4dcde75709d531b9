"""The vanilla RNN: one step, a whole sequence, and back-propagation through time.

Forward, for t = 1..T with the same weights at every step (weight sharing):

    h_t = tanh(W_x x_t + W_h h_{t-1} + b_x),    y_t = W_y h_t + b_y.

Backward (BPTT): with a_t = W_x x_t + W_h h_{t-1} + b_x and g_t = dL/dh_t the
loss gradient arriving at h_t from outside (the output y_t),

    dL/da_t = (g_t + W_h^T dL/da_{t+1}) * (1 - h_t^2),    dL/da_{T+1} = 0,

and every weight gradient is a sum over t of a local term times dL/da_t.

Truncated BPTT, ``truncate=k``: the gradient g_t arriving at h_t goes back
through at most k steps, t, t-1, ..., t-k+1, and stops at h_{t-k}. This is the
exact gradient of a stated objective: each h_t recomputed by its last k steps
from h_{t-k} held constant (``rnn_truncated_states``).
"""

import numpy as np

from ._checks import check_finite, check_int, check_keys, check_number, check_rng, check_shape
from .dense import dense_backward, dense_forward


def rnn_step_forward(x_t, h_prev, W_x, W_h, b_x):
    """One step h_t = tanh(W_x x_t + W_h h_{t-1} + b_x).

    Parameters
    ----------
    x_t : ndarray (N, D)
    h_prev : ndarray (N, H), h_{t-1}
    W_x : ndarray (H, D)
    W_h : ndarray (H, H)
    b_x : ndarray (H,)

    Returns
    -------
    h_t : ndarray (N, H)
    cache : (x_t, h_prev, W_x, W_h, h_t)
    """
    x_t = check_shape("x_t", x_t, ("N", "D"))
    W_x = check_shape("W_x", W_x, ("H", x_t.shape[1]))
    H = W_x.shape[0]
    h_prev = check_shape("h_prev", h_prev, (x_t.shape[0], H))
    W_h = check_shape("W_h", W_h, (H, H))
    b_x = check_shape("b_x", b_x, (H,))
    h_t = np.tanh(x_t @ W_x.T + h_prev @ W_h.T + b_x)
    return h_t, (x_t, h_prev, W_x, W_h, h_t)


def rnn_step_backward(dh_t, cache):
    """Gradients of one step, given dL/dh_t (N, H).

    Returns
    -------
    dx_t : ndarray (N, D)
    dh_prev : ndarray (N, H), dL/dh_{t-1} through this step
    dW_x : ndarray (H, D)
    dW_h : ndarray (H, H)
    db_x : ndarray (H,)
    """
    x_t, h_prev, W_x, W_h, h_t = cache
    dh_t = check_shape("dh_t", dh_t, h_t.shape)
    da = dh_t * (1.0 - h_t * h_t)  # tanh'(a) = 1 - tanh(a)^2
    return da @ W_x, da @ W_h, da.T @ x_t, da.T @ h_prev, da.sum(axis=0)


def _check_params(params, D):
    """Validate W_x (H, D), W_h (H, H), b_x (H,) and return them as arrays."""
    check_keys("params", params, ("W_x", "W_h", "b_x"))
    W_x = check_shape("params['W_x']", params["W_x"], ("H", D))
    H = W_x.shape[0]
    W_h = check_shape("params['W_h']", params["W_h"], (H, H))
    b_x = check_shape("params['b_x']", params["b_x"], (H,))
    return W_x, W_h, b_x


def rnn_forward(x, h0, params):
    """Run the RNN over a batch of sequences.

    Parameters
    ----------
    x : ndarray (N, T, D)
    h0 : ndarray (N, H), the state before the first step
    params : dict with ``W_x`` (H, D), ``W_h`` (H, H), ``b_x`` (H,); other keys
        (``W_y``, ``b_y``) are ignored

    Returns
    -------
    h : ndarray (N, T, H), h[:, t] is the state after step t + 1
    cache : (x, h0, W_x, W_h, h) for ``rnn_backward``
    """
    x = check_shape("x", x, ("N", "T", "D"))
    N, T, D = x.shape
    W_x, W_h, b_x = _check_params(params, D)
    h0 = check_shape("h0", h0, (N, W_x.shape[0]))
    # Fused: the input part W_x x_t + b_x of every step is one matrix
    # product over all N*T rows, done before the loop; only W_h h_{t-1}
    # must wait for the previous step, so the loop does one (N, H) x (H, H)
    # product per step.
    a_x = x @ W_x.T + b_x
    h = np.empty((N, T, W_x.shape[0]))
    h_prev = h0
    for t in range(T):
        h_prev = h[:, t] = np.tanh(a_x[:, t] + h_prev @ W_h.T)
    return h, (x, h0, W_x, W_h, h)


def _check_window(truncate):
    """Refuse a ``truncate`` that is neither None (full BPTT) nor an int >= 1."""
    is_int = isinstance(truncate, int | np.integer) and not isinstance(truncate, bool)
    if truncate is not None and not (is_int and truncate >= 1):
        raise ValueError(f"truncate must be None or an int >= 1, got {truncate!r}")


def rnn_backward(dh, cache, truncate=None):
    """Back-propagation through time.

    Parameters
    ----------
    dh : ndarray (N, T, H), dL/dh_t from outside the recurrence (the outputs)
    cache : from ``rnn_forward``
    truncate : int >= 1 or None
        None: full BPTT. k: the gradient dh[:, t] reaches the steps t, t-1,
        ..., t-k+1 only (k steps of history); paths through more steps are
        dropped. k >= T gives full BPTT.

    Returns
    -------
    dx : ndarray (N, T, D)
    dh0 : ndarray (N, H)
    grads : dict ``W_x`` (H, D), ``W_h`` (H, H), ``b_x`` (H,)
    """
    x, h0, W_x, W_h, h = cache
    N, T, H = h.shape
    dh = check_shape("dh", dh, (N, T, H))
    _check_window(truncate)
    if T == 0:  # no step: nothing reaches the weights or h0
        grads = {"W_x": np.zeros_like(W_x), "W_h": np.zeros_like(W_h),
                 "b_x": np.zeros(H)}
        return np.zeros(x.shape), np.zeros((N, H)), grads
    dtanh = 1.0 - h * h
    if truncate is None:
        # dL/da_t = (g_t + W_h^T dL/da_{t+1}) * tanh': the sequential part.
        da = np.empty_like(h)
        carry = np.zeros((N, H))
        for t in range(T - 1, -1, -1):
            da[:, t] = (dh[:, t] + carry) * dtanh[:, t]
            carry = da[:, t] @ W_h
    else:
        # da is a sum over lags j = 0..k-1: the part of dL/da_s that started
        # as g_{s+j} and crossed j steps. Lag j for every s at once is one
        # product, so the loop runs over the k lags, not over the T steps.
        term = dh * dtanh
        da = term.copy()
        for j in range(1, min(truncate, T)):
            term = (term[:, 1:] @ W_h) * dtanh[:, : T - j]
            da[:, : T - j] += term
    # Fused: with every dL/da_t known, the sums over t are single products
    # over all N*T rows instead of T small ones inside the loop.
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    da2 = da.reshape(N * T, H)
    grads = {
        "W_x": da2.T @ x.reshape(N * T, x.shape[2]),  # not -1: N may be 0
        "W_h": da2.T @ h_prev.reshape(N * T, H),
        "b_x": da2.sum(axis=0),
    }
    return da @ W_x, da[:, 0] @ W_h, grads


def rnn_truncated_states(x, h0, params, h_fixed, truncate):
    """The states whose exact derivative ``rnn_backward(truncate=k)`` computes.

    State t is recomputed by running its last k steps, t-k+1..t, from
    ``h_fixed[:, t-k-1]`` = h_{t-k} treated as a constant input (from ``h0``
    when t <= k, i.e. the window reaches the start). At the weights that
    produced ``h_fixed`` the values equal ``rnn_forward``'s; perturbing the
    weights, ``x`` or ``h0`` moves them only through the last k steps, so
    finite differences of ``sum(dh * states)`` check the truncated gradient.

    Parameters
    ----------
    x : ndarray (N, T, D); h0 : ndarray (N, H); params : as in ``rnn_forward``
    h_fixed : ndarray (N, T, H), the states of ``rnn_forward`` at fixed weights
    truncate : int >= 1, the window k

    Returns
    -------
    states : ndarray (N, T, H)
    """
    x = check_shape("x", x, ("N", "T", "D"))
    N, T, D = x.shape
    W_x, W_h, b_x = _check_params(params, D)
    h0 = check_shape("h0", h0, (N, W_x.shape[0]))
    h_fixed = check_shape("h_fixed", h_fixed, (N, T, W_x.shape[0]))
    k = check_int("truncate", truncate, 1)
    a_x = x @ W_x.T + b_x
    t = np.arange(1, T + 1)  # 1-based step index of each state
    # start of each window: h_{t-k} from h_fixed, or h0 when t - k <= 0
    start = np.where((t > k)[None, :, None], h_fixed[:, np.maximum(t - k - 1, 0)], h0[:, None])
    states = start
    for j in range(1, k + 1):
        s = t - k + j  # the step each window takes now; s < 1 means not started
        on = s >= 1
        new = np.tanh(a_x[:, np.maximum(s - 1, 0)] + states @ W_h.T)
        states = np.where(on[None, :, None], new, states)
    return states


def rnn_output_forward(h, W_y, b_y):
    """Outputs y_t = W_y h_t + b_y at every step, as one product over N*T rows.

    Parameters
    ----------
    h : ndarray (N, T, H)
    W_y : ndarray (M, H)
    b_y : ndarray (M,)

    Returns
    -------
    y : ndarray (N, T, M), pre-activation outputs (logits)
    cache : for ``rnn_output_backward``
    """
    h = check_shape("h", h, ("N", "T", "H"))
    N, T, H = h.shape
    W_y = check_shape("W_y", W_y, ("M", H))
    b_y = check_shape("b_y", b_y, (W_y.shape[0],))
    y, cache = dense_forward(h.reshape(N * T, H), W_y, b_y)
    return y.reshape(N, T, W_y.shape[0]), (cache, N, T)  # not -1: N T may be 0


def rnn_output_backward(dy, cache):
    """Gradients of ``rnn_output_forward`` given dy (N, T, M).

    Returns
    -------
    dh : ndarray (N, T, H)
    dW_y : ndarray (M, H)
    db_y : ndarray (M,)
    """
    dense_cache, N, T = cache
    dy = check_shape("dy", dy, (N, T, dense_cache[1].shape[0]))
    M, H = dense_cache[1].shape
    dh, dW_y, db_y = dense_backward(dy.reshape(N * T, M), dense_cache)
    return dh.reshape(N, T, H), dW_y, db_y


def init_rnn_params(D, H, M, rng, radius=0.9):
    """Weights for an RNN with D inputs, H hidden units and M outputs.

    W_h is a random orthogonal matrix times ``radius``, so every eigenvalue and
    every singular value of W_h has modulus ``radius`` (its spectral radius
    and its norm). W_x and W_y are Gaussian with std 1/sqrt(fan-in); biases 0.

    Returns
    -------
    params : dict ``W_x`` (H, D), ``W_h`` (H, H), ``b_x`` (H,), ``W_y`` (M, H),
        ``b_y`` (M,)
    """
    check_int("D", D, 1)
    check_int("H", H, 1)
    check_int("M", M, 1)
    rng = check_rng("rng", rng)
    check_number("radius", radius, 0)
    Q, R = np.linalg.qr(rng.normal(size=(H, H)))
    Q = Q * np.sign(np.diag(R))  # uniform over orthogonal matrices
    return {
        "W_x": rng.normal(0.0, 1.0 / np.sqrt(D), size=(H, D)),
        "W_h": radius * Q,
        "b_x": np.zeros(H),
        "W_y": rng.normal(0.0, 1.0 / np.sqrt(H), size=(M, H)),
        "b_y": np.zeros(M),
    }


def param_count(D, H, M):
    """Number of weights and biases of ``init_rnn_params(D, H, M, ...)``."""
    check_int("D", D, 1)
    check_int("H", H, 1)
    check_int("M", M, 1)
    return H * D + H * H + H + M * H + M


def state_jacobian_norms(h, W_h):
    """Spectral norms of dh_T / dh_{T-n} for n = 0..T along one sequence.

    dh_t / dh_{t-1} = diag(1 - h_t^2) W_h, so dh_T / dh_{T-n} is the product of
    the last n of these; it is built up one factor at a time, t = T-n+1.

    Parameters
    ----------
    h : ndarray (T, H), the states h_1..h_T of one sequence (h_0 is not
        needed: each factor uses the state the step produced)
    W_h : ndarray (H, H)

    Returns
    -------
    norms : ndarray (T + 1,), norms[n] = ||dh_T / dh_{T-n}||_2 (norms[0] = 1)
    """
    # NaN or inf would stop the SVD with a LinAlgError (and LAPACK's own
    # message on the terminal) instead of an error naming the argument
    h = check_finite("h", check_shape("h", h, ("T", "H")))
    T, H = h.shape
    W_h = check_finite("W_h", check_shape("W_h", W_h, (H, H)))
    J = np.empty((T + 1, H, H))
    J[0] = np.eye(H)
    for n in range(1, T + 1):
        J[n] = (J[n - 1] * (1.0 - h[T - n] ** 2)) @ W_h  # times diag(1 - h_t^2) W_h
    # one batched SVD for all T + 1 products instead of T + 1 separate calls
    return np.linalg.svd(J, compute_uv=False)[:, 0]
