import numpy as np
import pytest
from selfcheck_support import accepts_every_rounding, answers_clearly, says

from dlnotes import SGD, worked_example
from dlnotes.selfcheck import check_answer
from dlnotes.selfcheck import mlp as check


def test_right_answers_pass_and_wrong_ones_get_a_hint():
    model, x, y = worked_example()
    o, cache = model.forward(x)
    (o1, _), h1 = o[0], cache["X"][1][0, 0]
    right = (o1 - 0.1) * o1 * (1 - o1) * h1
    assert check.dL_dw("w7", round(right, 5))
    wrong = check.dL_dw("w7", right * 2)
    assert not wrong and "Hint" in repr(wrong)


def test_no_answer_says_so():
    v = check.delta_hidden(None)
    assert not v and "No answer yet" in repr(v)


def test_loss_after_step_and_param_count():
    model, x, y = worked_example()
    loss, grads = model.loss_and_grads(x, y)
    after = model.loss_and_grads(x, y, params=SGD(1.0).step(model.params, grads))[0]
    assert check.loss_after_step(1.0, after)
    assert not check.loss_after_step(1.0, loss)
    assert check.param_count([784, 128, 64, 10], 109_386)
    assert not check.param_count([784, 128, 64, 10], 109_184)


def test_shape_mismatch_and_unknown_weight():
    assert "expected an array of shape (2,)" in repr(check_answer([1.0], np.zeros(2), "h"))
    assert "expected a single number" in repr(check_answer(np.array([5]), 5, "h"))
    assert "expected a single number" in repr(check_answer(np.array([5, 5]), 5, "h"))
    assert not check_answer("a", "b", "h")
    with pytest.raises(ValueError, match="name must be one of"):
        check.dL_dw("w11", 0.0)


def test_a_verdict_is_shown_wrapped_to_the_book_column_with_nothing_lost():
    from dlnotes.selfcheck import WIDTH

    hint = "dL/dw7 = (o - y) * o * (1 - o) * h, " * 6
    shown = repr(check_answer(None, 1.0, hint))
    lines = shown.splitlines()
    assert len(lines) > 2 and max(map(len, lines)) <= WIDTH
    assert lines[1].startswith("Hint: ")
    assert shown.split() == f"No answer yet: replace None by your answer. Hint: {hint}".split()


def test_a_first_layer_gradient_that_forgets_a_path_is_rejected():
    # dL/dw2 is about 4e-4: an absolute tolerance of 1e-4 would pass the
    # answer that keeps only the path through o1
    from dlnotes.backprop import chain_rule_gradients
    from dlnotes.mlp import WORKED_WEIGHTS

    model, x, y = worked_example()
    key, idx = WORKED_WEIGHTS["w2"]
    right = chain_rule_gradients(model, x, y)[key][idx]
    h2 = model.forward(x)[1]["X"][1][0, 1]
    o1 = model.forward(x)[0][0, 0]
    only_o1 = (o1 - 0.1) * o1 * (1 - o1) * 0.9 * h2 * (1 - h2) * 1.0  # w9, x1
    assert check.dL_dw("w2", float(f"{right:.4g}"))
    assert not check.dL_dw("w2", only_o1)
    assert check.dL_dw("w7", 0.0765)  # the docstring's example


def test_a_figure_more_or_less_counts_but_not_two():
    assert check_answer(4.51, 4.51998, "h", 3) and check_answer(4.53, 4.51998, "h", 3)
    assert check_answer(4.5349, 4.51998, "h", 3)  # 4.53 to 3 figures
    assert not check_answer(4.54, 4.51998, "h", 3) and not check_answer(4.50, 4.51998, "h", 3)
    assert check_answer(117_760, 117_760, "h") and not check_answer(117_761, 117_760, "h")
    assert "NaN" in repr(check_answer(float("nan"), 1.0, "h", 3))


def test_dL_dw_accepts_three_figures_and_names_the_slips():
    model, x, y = worked_example()
    o, cache = model.forward(x)
    (o1, _), h1 = o[0], cache["X"][1][0, 0]
    right = (o1 - 0.1) * o1 * (1 - o1) * h1
    assert accepts_every_rounding(lambda a: check.dL_dw("w7", a), right, 3)
    assert says(check.dL_dw("w7", -right), "the sign")
    assert says(check.dL_dw("w7", (o1 - 0.1) * h1), "sigmoid' o (1 - o) is missing")
    assert says(check.dL_dw("w7", (o1 - 0.1) * o1 * (1 - o1)), "the input the weight carries")
    assert answers_clearly(lambda a: check.dL_dw("w7", a), ())


def test_delta_hidden_loss_after_step_and_param_count_name_the_slips():
    model, x, y = worked_example()
    o, cache = model.forward(x)
    h, W2 = cache["X"][1][0], model.params["W2"]
    d2 = ((o - y) * o * (1 - o))[0]
    assert accepts_every_rounding(lambda a: check.delta_hidden([a, (W2.T @ d2 * h * (1 - h))[1]]),
                                  (W2.T @ d2 * h * (1 - h))[0], 3)
    assert says(check.delta_hidden((W2 @ d2) * h * (1 - h)), "its transpose")
    assert says(check.delta_hidden(W2.T @ d2), "sigmoid' h (1 - h) is missing")
    assert answers_clearly(check.delta_hidden, (2,))
    loss, grads = model.loss_and_grads(x, y)
    assert says(check.loss_after_step(1.0, loss), "the loss before the step")
    up = {k: v + grads[k] for k, v in model.params.items()}
    assert says(check.loss_after_step(1.0, model.loss_and_grads(x, y, params=up)[0]),
                "against the gradient")
    assert says(check.param_count([784, 128, 64, 10], 109_184), "those are the weights")
    assert says(check.param_count([784, 128, 64, 10], 784 * 129 + 128 * 65 + 64 * 11),
                "not per input")
    assert answers_clearly(lambda a: check.loss_after_step(1.0, a), ())
