"""Self-checks for chapter 5: the LSTM and the GRU."""

import numpy as np

from ..activations import sigmoid
from ..gru import gru_param_count
from ..lstm import cell_path_gains, lstm_param_count, lstm_step_forward
from . import Verdict, _no_answer, check_close, check_equal

#: the one-unit LSTM step of the exercise: D = 1, H = 1
TINY_STEP = {
    "x_t": np.array([[1.0]]),
    "h_prev": np.array([[0.5]]),
    "c_prev": np.array([[2.0]]),
    "params": {
        "W_f": np.array([[1.0, 2.0]]), "b_f": np.array([0.0]),
        "W_i": np.array([[-1.0, 0.0]]), "b_i": np.array([0.0]),
        "W_o": np.array([[0.0, 2.0]]), "b_o": np.array([1.0]),
        "W_c": np.array([[0.5, -1.0]]), "b_c": np.array([0.5]),
    },
}


def lstm_params(input_dim, hidden, answer, biases_per_gate=1):
    """Check the number of trainable parameters of one LSTM layer.

    ``biases_per_gate`` is 1 for the source's convention (and dlnotes'), 2 for
    PyTorch's (b_ih and b_hh).
    """
    return check_equal(
        answer, lstm_param_count(input_dim, hidden, biases_per_gate),
        "four blocks (f, i, o and the candidate), each an (H, D + H) matrix on "
        "[x_t, h_{t-1}] plus its bias vector(s) of H.",
    )


def gru_params(input_dim, hidden, answer, biases_per_gate=1):
    """Check the number of trainable parameters of one GRU layer."""
    return check_equal(
        answer, gru_param_count(input_dim, hidden, biases_per_gate),
        "three blocks (u, r and the candidate), each an (H, D + H) matrix plus "
        "its bias vector(s) of H.",
    )


def lstm_step(c_answer, h_answer):
    """Check c_t and h_t of ``TINY_STEP`` computed by hand (two floats)."""
    hint = ("z = [x_t, h_prev] = [1, 0.5]; each gate is sigmoid(W z + b), the "
            "candidate tanh(W_c z + b_c); c_t = i * g + f * c_prev and h_t = o * tanh(c_t).")
    if c_answer is None or h_answer is None:
        return _no_answer(hint)
    h, c, _ = lstm_step_forward(**TINY_STEP)
    # a float, or an array of one entry (numpy keeps the unit axis of H = 1)
    right_c = check_close(np.squeeze(c_answer), c[0, 0], hint)
    right_h = check_close(np.squeeze(h_answer), h[0, 0], hint)
    if right_c and right_h:
        return Verdict(True, "Right.")
    wrong = "c_t" if not right_c else "h_t"
    return Verdict(False, f"Not yet: {wrong} is off. Hint: {hint}")


def cell_path_gain(forget, steps, answer):
    """Check dc_T / dc_{T-steps} along the cell path when every f_t = ``forget``."""
    gains = cell_path_gains(np.full((steps, 1), float(forget)))
    return check_close(
        answer, gains[-1, 0],
        "along the cell path each step multiplies the gradient by f_t; "
        "nothing else (no weight matrix, no tanh') is in the product.",
        rtol=1e-3, atol=0,
    )


def forget_bias(gain, steps, answer):
    """Check a forget-gate bias b_f that keeps ``gain`` of the cell-path
    gradient after ``steps`` steps, with the rest of the gate's input at 0."""
    hint = (f"you need sigmoid(b_f) ** {steps} = {gain}: take the {steps}-th root, "
            "then invert the sigmoid, b = log(p / (1 - p)).")
    if answer is None:
        return _no_answer(hint)
    try:
        b = float(answer)
    except (TypeError, ValueError):
        return Verdict(False, f"Not yet: expected a number, got {answer!r}. Hint: {hint}")
    kept = cell_path_gains(np.full((steps, 1), float(sigmoid(b))))[-1, 0]
    return check_close(kept, gain, hint, rtol=1e-3, atol=0)
