"""Self-checks for chapter 5: the LSTM and the GRU."""

import numpy as np

from ..activations import sigmoid
from ..gru import gru_param_count
from ..lstm import cell_path_gains, lstm_param_count, lstm_step_forward
from . import Verdict, _no_answer, check_answer

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
    other = 3 - biases_per_gate
    return check_answer(
        answer, lstm_param_count(input_dim, hidden, biases_per_gate),
        "four blocks (f, i, o and the candidate), each an (H, D + H) matrix on "
        "[x_t, h_{t-1}] plus its bias vector(s) of H.",
        wrong=[(lstm_param_count(input_dim, hidden, other),
                "that is the two-bias count (PyTorch's b_ih and b_hh); the notes "
                "keep one bias per gate." if other == 2 else
                "that is the one-bias count of the notes; PyTorch keeps two bias "
                "vectors per gate, b_ih and b_hh."),
               (gru_param_count(input_dim, hidden, biases_per_gate),
                "that is three blocks, a GRU's count: an LSTM has four."),
               (4 * hidden * (input_dim + hidden), "add the bias vector(s) of each block.")],
    )


def gru_params(input_dim, hidden, answer, biases_per_gate=1):
    """Check the number of trainable parameters of one GRU layer."""
    other = 3 - biases_per_gate
    return check_answer(
        answer, gru_param_count(input_dim, hidden, biases_per_gate),
        "three blocks (u, r and the candidate), each an (H, D + H) matrix plus "
        "its bias vector(s) of H.",
        wrong=[(gru_param_count(input_dim, hidden, other),
                f"that is the count with {other} bias vector(s) per block."),
               (lstm_param_count(input_dim, hidden, biases_per_gate),
                "that is four blocks, an LSTM's count: a GRU has three."),
               (3 * hidden * (input_dim + hidden), "add the bias vector(s) of each block.")],
    )


def lstm_step(c_answer, h_answer):
    """Check c_t and h_t of ``TINY_STEP`` computed by hand (two floats, 3
    significant figures)."""
    hint = ("z = [x_t, h_prev] = [1, 0.5]; each gate is sigmoid(W z + b), the "
            "candidate tanh(W_c z + b_c); c_t = i * g + f * c_prev and h_t = o * tanh(c_t).")
    if c_answer is None or h_answer is None:
        return _no_answer(hint)
    h, c, _ = lstm_step_forward(**TINY_STEP)
    c, h = float(c[0, 0]), float(h[0, 0])
    z = np.concatenate([TINY_STEP["x_t"], TINY_STEP["h_prev"]], axis=1)[0]
    p = TINY_STEP["params"]
    f, i, o = (float(sigmoid(p[f"W_{k}"][0] @ z + p[f"b_{k}"][0])) for k in "fio")
    g = float(np.tanh(p["W_c"][0] @ z + p["b_c"][0]))
    # a float, or an array of one entry (numpy keeps the unit axis of H = 1)
    right_c = check_answer(np.squeeze(c_answer), c, hint, 3, [
        (i * g, "f_t * c_{t-1} is missing: the cell keeps a share of its old value."),
        (f * g + i * 2.0, "the input gate scales the candidate, the forget gate the "
         "old cell: c_t = i * g + f * c_prev.")])
    if not right_c:
        return Verdict(False, right_c.message.replace("Not yet", "Not yet: c_t is off", 1))
    right_h = check_answer(np.squeeze(h_answer), h, hint, 3, [
        (np.tanh(c), "the output gate is missing: h_t = o * tanh(c_t)."),
        (o * c, "squash the cell first: h_t = o * tanh(c_t).")])
    if not right_h:
        return Verdict(False, right_h.message.replace("Not yet", "Not yet: h_t is off", 1))
    return Verdict(True, "Right.")


def cell_path_gain(forget, steps, answer):
    """Check dc_T / dc_{T-steps} along the cell path when every f_t = ``forget``
    (3 significant figures)."""
    gains = cell_path_gains(np.full((steps, 1), float(forget)))
    return check_answer(
        answer, gains[-1, 0],
        "along the cell path each step multiplies the gradient by f_t; "
        "nothing else (no weight matrix, no tanh') is in the product.",
        3,
        [(forget * steps, "the factors multiply: forget ** steps, not forget * steps."),
         (gains[-2, 0], f"that is {steps - 1} factors: from c_T back to c_(T-{steps}) "
          f"there are {steps}.")],
    )


def forget_bias(gain, steps, answer):
    """Check a forget-gate bias b_f that keeps ``gain`` of the cell-path
    gradient after ``steps`` steps, with the rest of the gate's input at 0;
    3 significant figures."""
    hint = (f"you need sigmoid(b_f) ** {steps} = {gain}: take the {steps}-th root, "
            "then invert the sigmoid, b = log(p / (1 - p)).")
    p = gain ** (1 / steps)
    logit = lambda q: float(np.log(q / (1 - q)))  # noqa: E731
    return check_answer(
        answer, logit(p), hint, 3,
        [(p, f"that is sigmoid(b_f) = {gain} ** (1/{steps}); invert the sigmoid to get b_f."),
         (logit(gain), f"take the {steps}-th root first: sigmoid(b_f) ** {steps} = {gain}."),
         (logit(1 - (1 - gain) / steps), f"the {steps} gates multiply: take the "
          f"{steps}-th root of {gain}, not a share of the loss."),
         (logit(gain / steps), f"the {steps} gates multiply: take the {steps}-th "
          f"root of {gain}, not divide it.")],
    )
