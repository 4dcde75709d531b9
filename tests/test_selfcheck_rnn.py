import numpy as np
from selfcheck_support import accepts_every_rounding, answers_clearly, says

from dlnotes.selfcheck import rnn as check


def _states():
    h, hs = 0.0, []
    for x in (1.0, 0.5, -0.5):
        h = np.tanh(0.5 * x + 0.8 * h)
        hs.append(h)
    return hs


def test_param_count_names_the_missing_biases_and_output_layer():
    count = lambda a: check.param_count(27, 100, 27, a)  # noqa: E731
    assert count(15_527)
    assert says(count(15_400), "add the biases")
    assert says(count(12_800), "add the output layer")
    assert says(count(15_527 * 2), "shared by every step")
    assert answers_clearly(count, ())


def test_scalar_state_accepts_four_figures_and_names_the_slips():
    h1, h2, h3 = _states()
    state = lambda a: check.scalar_state(3, a)  # noqa: E731
    assert state(0.1885) and accepts_every_rounding(state, h3, 4)
    assert says(state(h2), "that is h_2")
    assert says(state(0.5 * -0.5 + 0.8 * (0.5 * 0.5 + 0.8 * 0.5)), "apply tanh at every step")
    assert says(state(0.2), "h_t = tanh(0.5 x_t + 0.8 h_{t-1})")
    assert answers_clearly(state, ())


def test_scalar_dL_dWh_accepts_four_figures_and_tells_full_from_truncated():
    h1, h2, h3 = _states()
    d3 = 1 - h3**2
    d2 = 0.8 * d3 * (1 - h2**2)
    full, local = d3 * h2 + d2 * h1, d3 * h2
    assert accepts_every_rounding(check.scalar_dL_dWh, full, 4)
    assert accepts_every_rounding(lambda a: check.scalar_dL_dWh(a, truncate=1), local, 4)
    assert says(check.scalar_dL_dWh(local), "that is truncate=1")
    assert says(check.scalar_dL_dWh(full, truncate=1), "that is the full BPTT gradient")
    assert says(check.scalar_dL_dWh(-full), "sum over the steps")
    assert answers_clearly(check.scalar_dL_dWh, ())


def test_window_and_vanishing_steps_name_the_off_by_one():
    assert check.min_window(5, 6) and check.min_window(3, 4)
    assert says(check.min_window(5, 5), "off by one")
    assert says(check.min_window(5, 7), "truncate=k keeps the steps")
    assert check.steps_below(0.9, 1e-3, 66)
    assert says(check.steps_below(0.9, 1e-3, 65), "round log(level) / log(radius) up")
    assert says(check.steps_below(0.9, 1e-3, 10), "the smallest n")
    assert answers_clearly(lambda a: check.steps_below(0.9, 1e-3, a), ())
