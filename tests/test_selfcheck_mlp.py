import numpy as np
import pytest

from dlnotes import SGD, worked_example
from dlnotes.selfcheck import check_close, check_equal
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
    assert "expected shape (2,)" in repr(check_close([1.0], np.zeros(2), "h"))
    assert not check_equal("a", "b", "h")
    with pytest.raises(ValueError, match="name must be one of"):
        check.dL_dw("w11", 0.0)


def test_a_verdict_is_shown_wrapped_to_the_book_column_with_nothing_lost():
    from dlnotes.selfcheck import WIDTH

    hint = "dL/dw7 = (o - y) * o * (1 - o) * h, " * 6
    shown = repr(check_close(None, 1.0, hint))
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
