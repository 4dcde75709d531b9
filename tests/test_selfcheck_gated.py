import numpy as np

from dlnotes.lstm import lstm_step_forward
from dlnotes.selfcheck import gated as check


def test_param_counts_accept_the_formula_and_reject_others():
    assert check.lstm_params(100, 128, (100 + 128 + 1) * 128 * 4)
    assert check.lstm_params(100, 128, (100 + 128 + 2) * 128 * 4, biases_per_gate=2)
    assert not check.lstm_params(100, 128, (100 + 128 + 1) * 128 * 3)
    assert check.gru_params(100, 128, (100 + 128 + 1) * 128 * 3)
    assert not check.gru_params(100, 128, None)


def test_lstm_step_by_hand():
    z = np.array([1.0, 0.5])
    p = check.TINY_STEP["params"]
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    f, i, o = (sig(p[f"W_{k}"][0] @ z + p[f"b_{k}"][0]) for k in "fio")
    c = i * np.tanh(p["W_c"][0] @ z + p["b_c"][0]) + f * 2.0
    h = o * np.tanh(c)
    assert check.lstm_step(round(c, 4), round(h, 4))
    assert check.lstm_step(np.array([c]), np.array([[h]]))  # numpy's unit axes
    assert "h_t is off" in repr(check.lstm_step(c, h + 0.1))
    assert "No answer yet" in repr(check.lstm_step(None, None))
    h_dl, c_dl, _ = lstm_step_forward(**check.TINY_STEP)
    np.testing.assert_allclose([c_dl[0, 0], h_dl[0, 0]], [c, h])


def test_cell_path_gain_and_forget_bias():
    assert check.cell_path_gain(0.9, 50, 0.9**50)
    assert not check.cell_path_gain(0.9, 50, 0.9 * 50)
    p = 0.5 ** (1 / 64)
    assert check.forget_bias(0.5, 64, np.log(p / (1 - p)))
    assert not check.forget_bias(0.5, 64, 4.0)
    assert "No answer yet" in repr(check.forget_bias(0.5, 64, None))
    assert "expected a number" in repr(check.forget_bias(0.5, 64, "four"))
