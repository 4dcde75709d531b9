"""Self-checks for chapter 4: recurrent networks and back-propagation through time."""

import numpy as np

from ..rnn import init_rnn_params, rnn_backward, rnn_forward, state_jacobian_norms
from . import check_answer

#: significant figures the chapter's exercises ask for
SIG = 4


def scalar_example():
    """The exercises' one-unit RNN: h_t = tanh(0.5 x_t + 0.8 h_{t-1}), h_0 = 0.

    Returns
    -------
    x : ndarray (1, 3, 1), the inputs x_1, x_2, x_3 = 1, 0.5, -0.5
    h0 : ndarray (1, 1), zero
    params : dict W_x [[0.5]], W_h [[0.8]], b_x [0.0]
    """
    x = np.array([1.0, 0.5, -0.5]).reshape(1, 3, 1)
    params = {"W_x": np.array([[0.5]]), "W_h": np.array([[0.8]]), "b_x": np.array([0.0])}
    return x, np.zeros((1, 1)), params


def scalar_state(t, answer):
    """Check h_t (t = 1, 2 or 3) of ``scalar_example``."""
    if t not in (1, 2, 3):
        raise ValueError(f"t must be 1, 2 or 3, got {t!r}")
    x, h0, params = scalar_example()
    h, _ = rnn_forward(x, h0, params)
    linear = [0.0]
    for x_t in x[0, :, 0]:
        linear.append(0.5 * x_t + 0.8 * linear[-1])
    wrong = [(linear[t], "apply tanh at every step, not only the weights.")]
    wrong += [(h[0, s - 1, 0], f"that is h_{s}; go on to h_{t}.") for s in (1, 2, 3) if s != t]
    return check_answer(
        answer, h[0, t - 1, 0],
        "h_1 = tanh(0.5 * 1 + 0.8 * 0); then h_t = tanh(0.5 x_t + 0.8 h_{t-1}).",
        SIG, wrong,
    )


def scalar_dL_dWh(answer, truncate=None):
    """Check dL/dW_h of ``scalar_example`` for the loss L = h_3.

    ``truncate`` as in ``rnn_backward``: None for full BPTT, k to keep only
    the last k steps.
    """
    x, h0, params = scalar_example()
    h, cache = rnn_forward(x, h0, params)
    dh = np.zeros_like(h)
    dh[0, -1, 0] = 1.0  # L = h_3
    expected = rnn_backward(dh, cache, truncate)[2]["W_h"][0, 0]
    full, local = (rnn_backward(dh, cache, k)[2]["W_h"][0, 0] for k in (None, 1))
    wrong = [(local, "that is truncate=1, the last step's local term alone: "
              "full BPTT adds the earlier steps' terms."),
             (full, "that is the full BPTT gradient: keep only the last "
              f"{truncate} step(s).")]
    return check_answer(
        answer, expected,
        "sum over the steps t the kept paths reach: dL/da_t * h_{t-1}, with "
        "dL/da_3 = 1 - h_3^2 and dL/da_t = dL/da_{t+1} * 0.8 * (1 - h_t^2); "
        "h_0 = 0 makes the t = 1 term vanish.",
        SIG, [(v, why) for v, why in wrong if v != expected],
    )


def param_count(D, H, M, answer):
    """Check the number of weights and biases of an RNN with D inputs, H
    hidden units and M outputs (W_x, W_h, b_x, W_y, b_y)."""
    params = init_rnn_params(D, H, M, np.random.default_rng(0))
    sizes = {k: int(p.size) for k, p in params.items()}
    total = sum(sizes.values())
    return check_answer(
        answer, total,
        "W_x is (H, D), W_h is (H, H), b_x is (H,), W_y is (M, H), b_y is (M,); "
        "the sequence length does not appear: the weights are shared by every step.",
        wrong=[(total - sizes["b_x"] - sizes["b_y"], "add the biases b_x and b_y."),
               (total - sizes["W_y"] - sizes["b_y"], "add the output layer W_y, b_y.")],
    )


def min_window(delay, answer):
    """Check the smallest ``truncate=k`` whose gradient carries a loss at step t
    back to the input x_{t-delay}."""
    if not isinstance(delay, int) or delay < 0:
        raise ValueError(f"delay must be an int >= 0, got {delay!r}")
    T = delay + 2
    rng = np.random.default_rng(0)
    params = init_rnn_params(1, 2, 1, rng)
    h, cache = rnn_forward(rng.normal(size=(1, T, 1)), np.zeros((1, 2)), params)
    dh = np.zeros_like(h)
    dh[0, -1] = 1.0
    k = 1
    while not rnn_backward(dh, cache, truncate=k)[0][0, T - 1 - delay].any():
        k += 1
    return check_answer(
        answer, k,
        "truncate=k keeps the steps t, t-1, ..., t-k+1; x_{t-d} enters at step t-d.",
        wrong=[(delay, "off by one: the window counts step t itself, so reaching "
                "d steps back takes d + 1 steps.")],
    )


def steps_below(radius, level, answer):
    """Check after how many steps n the gradient of a linear RNN (tanh in its
    linear range) with W_h = radius * orthogonal first falls below ``level``."""
    if not 0 < radius < 1 or not 0 < level < 1:
        raise ValueError(f"radius and level must lie in (0, 1), got {radius}, {level}")
    T = int(np.ceil(np.log(level) / np.log(radius))) + 5
    params = init_rnn_params(1, 4, 1, np.random.default_rng(0), radius=radius)
    h, _ = rnn_forward(np.full((1, T, 1), 1e-9), np.zeros((1, 4)), params)
    norms = state_jacobian_norms(h[0], params["W_h"])
    n = int(np.flatnonzero(norms < level)[0])
    return check_answer(
        answer, n,
        "every step multiplies the norm by the radius: the smallest n with "
        "radius ** n < level.",
        wrong=[(n - 1, f"radius ** {n - 1} is still above the level: round "
                "log(level) / log(radius) up, not down.")],
    )
