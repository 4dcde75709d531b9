import numpy as np
from selfcheck_support import accepts_every_rounding, answers_clearly, says

from dlnotes.selfcheck import gradients as check

GRADS = {"W": np.array([[3.0, 4.0]]), "b": np.array([12.0])}


def test_sigmoid_product_bound_accepts_three_figures_and_names_the_slips():
    bound = lambda a: check.sigmoid_product_bound(10, a)  # noqa: E731
    assert bound(9.54e-7) and accepts_every_rounding(bound, 0.25**10, 3)
    assert says(bound(0.5**10), "sigma(0) ** n")
    assert says(bound(2.5), "does not add them")
    assert says(bound(0.25), "one factor")
    assert says(bound(1e-6), "is largest where sigma(z) = 1/2")
    assert answers_clearly(bound, ())


def test_clipping_checks_the_global_norm_then_the_scaled_arrays():
    half = {"W": np.array([[1.5, 2.0]]), "b": np.array([6.0])}
    assert check.clipping(GRADS, 6.5, 13.0, half)
    assert check.clipping(GRADS, 20.0, 13.0, GRADS)
    assert says(check.clipping(GRADS, 6.5, 19.0, half), "L1 norm")
    assert says(check.clipping(GRADS, 6.5, 169.0, half), "squared norm")
    assert says(check.clipping(GRADS, 6.5, 5.0, half), "norm of one array")
    assert says(check.clipping(GRADS, 6.5, 11.0, half), "sqrt of the sum of every")
    assert says(check.clipping(GRADS, 6.5, 13.0, GRADS), "scale every array")
    assert says(check.clipping(GRADS, 20.0, 13.0, {k: v * 20 / 13 for k, v in GRADS.items()}),
                "come back unchanged")
    assert says(check.clipping(GRADS, 6.5, 13.0, {"W": half["W"]}), "keys ['W', 'b']")
    assert says(check.clipping(GRADS, 6.5, None, None), "The norm: No answer yet")
    assert says(check.clipping(GRADS, 6.5, 13.0, {"W": np.zeros(3), "b": half["b"]}),
                "expected an array of shape (1, 2)")


def test_bn_dgamma_accepts_four_figures_and_names_the_slips():
    x = np.array([[1.0, 0.0], [3.0, 2.0], [5.0, 1.0]])
    dout = np.array([[1.0, 2.0], [0.0, 1.0], [-1.0, 0.5]])
    dgamma = lambda a: check.bn_dgamma(x, dout, a)  # noqa: E731
    r = np.sqrt(1.5)
    assert dgamma([-2.4495, -1.2247]) and dgamma([-2 * r, -r]) and dgamma([-2.449, -1.224])
    assert says(dgamma(dout.sum(0)), "that is dL/dbeta")
    assert says(dgamma([-2.0, -1.0]), "not N - 1")  # x_hat with the sample deviation
    assert says(dgamma((dout * x).sum(0)), "normalise x first")
    assert says(dgamma([2.4495, 1.2247]), "sums dout * x_hat")
    assert answers_clearly(dgamma, (2,))


def test_residual_factor_accepts_four_figures_and_names_the_slips():
    factor = lambda a: check.residual_factor(0.1, 10, a)  # noqa: E731
    assert factor(2.594) and accepts_every_rounding(factor, 1.1**10, 4)
    assert says(factor(2.0), "(1 + c) ** n")
    assert says(factor(1e-10), "without the skips")
    assert says(factor(2.6), "1 + dF/dx = 1 + c")
    assert answers_clearly(factor, ())
