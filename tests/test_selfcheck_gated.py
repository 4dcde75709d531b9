import numpy as np
from selfcheck_support import accepts_every_rounding, answers_clearly, says

from dlnotes.lstm import lstm_step_forward
from dlnotes.selfcheck import gated as check


def _gates():
    z = np.array([1.0, 0.5])
    p = check.TINY_STEP["params"]
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    f, i, o = (sig(p[f"W_{k}"][0] @ z + p[f"b_{k}"][0]) for k in "fio")
    return f, i, o, np.tanh(p["W_c"][0] @ z + p["b_c"][0])


def test_param_counts_accept_the_formula_and_name_the_other_conventions():
    one, two = (100 + 128 + 1) * 128 * 4, (100 + 128 + 2) * 128 * 4
    assert check.lstm_params(100, 128, one)
    assert check.lstm_params(100, 128, two, biases_per_gate=2)
    assert says(check.lstm_params(100, 128, two), "that is the two-bias count")
    assert says(check.lstm_params(100, 128, one, biases_per_gate=2), "PyTorch keeps two")
    assert says(check.lstm_params(100, 128, (100 + 128 + 1) * 128 * 3), "a GRU's count")
    assert says(check.lstm_params(100, 128, (100 + 128) * 128 * 4), "add the bias")
    assert says(check.lstm_params(100, 128, 1000), "four blocks")
    assert answers_clearly(lambda a: check.lstm_params(100, 128, a), ())
    assert check.gru_params(100, 128, (100 + 128 + 1) * 128 * 3)
    assert says(check.gru_params(100, 128, one), "an LSTM's count")
    assert says(check.gru_params(100, 128, (100 + 128 + 2) * 128 * 3), "2 bias vector(s)")
    assert answers_clearly(lambda a: check.gru_params(100, 128, a), ())


def test_lstm_step_accepts_three_figures_and_names_the_slips():
    f, i, o, g = _gates()
    c = i * g + f * 2.0
    h = o * np.tanh(c)
    assert check.lstm_step(1.89, 0.84) and check.lstm_step(1.8859, 0.8412)
    assert check.lstm_step(round(c, 4), round(h, 4))
    assert check.lstm_step(np.array([c]), np.array([[h]]))  # numpy's unit axes
    assert says(check.lstm_step(c, h + 0.1), "h_t is off")
    assert says(check.lstm_step(i * g, h), "c_t is off. Hint: f_t * c_{t-1} is missing")
    assert says(check.lstm_step(f * g + i * 2.0, h), "c_t is off. Hint: the input gate")
    assert says(check.lstm_step(c, np.tanh(c)), "the output gate is missing")
    assert says(check.lstm_step(c, o * c), "squash the cell first")
    assert says(check.lstm_step(None, None), "No answer yet")
    assert says(check.lstm_step(c, [h, h]), "expected a single number")
    h_dl, c_dl, _ = lstm_step_forward(**check.TINY_STEP)
    np.testing.assert_allclose([c_dl[0, 0], h_dl[0, 0]], [c, h], rtol=1e-14)


def test_cell_path_gain_accepts_three_figures_and_names_the_slips():
    gain = lambda a: check.cell_path_gain(0.9, 50, a)  # noqa: E731
    assert gain(0.00515) and accepts_every_rounding(gain, 0.9**50, 3)
    assert says(gain(0.9 * 50), "not forget * steps")
    assert says(gain(0.9**49), "that is 49 factors")
    assert says(gain(0.006), "multiplies the gradient by f_t")
    assert answers_clearly(gain, ())


def test_forget_bias_accepts_three_figures_either_side_and_names_the_slips():
    p = 0.5 ** (1 / 64)
    bias = lambda a: check.forget_bias(0.5, 64, a)  # noqa: E731
    assert all(bias(b) for b in (4.51, 4.52, 4.53, 4.51998))
    assert accepts_every_rounding(bias, np.log(p / (1 - p)), 3)
    assert not bias(4.54) and not bias(4.50)
    assert says(bias(p), "invert the sigmoid to get b_f")
    assert says(bias(0.0), "take the 64-th root first")
    assert says(bias(np.log(127)), "not a share")  # sigma(b) = 1 - 0.5 / 64
    assert says(bias(4.0), "then invert the sigmoid")
    assert answers_clearly(bias, ())
