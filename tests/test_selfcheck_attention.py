import numpy as np
from selfcheck_support import accepts_every_rounding, answers_clearly, says

from dlnotes.gru import gru_param_count
from dlnotes.selfcheck import attention as check


def _weights(scaled=True):
    q, K = check.weights_example()
    s = K @ q / (np.sqrt(q.size) if scaled else 1.0)
    e = np.exp(s - s.max())
    return e / e.sum(), s


def test_dot_weights_accepts_three_figures_and_names_the_usual_slips():
    w, s = _weights()
    assert check.dot_weights(w) and check.dot_weights(list(np.round(w, 3)))
    for i in range(3):  # each entry rounded every way, the others exact
        assert accepts_every_rounding(lambda v, i=i: check.dot_weights(
            np.concatenate([w[:i], [v], w[i + 1:]])), w[i], 3)
    assert says(check.dot_weights(_weights(scaled=False)[0]), "unscaled")
    assert says(check.dot_weights(s), "those are the scores")
    assert says(check.dot_weights(s / s.sum()), "exponentiate first")
    assert says(check.dot_weights(np.sort(w)[::-1]), "order of the keys")
    assert says(check.dot_weights([0.3, 0.3, 0.4]), "softmax of the three scores")
    assert answers_clearly(check.dot_weights, (3,))


def test_score_variance_names_the_std_and_the_scaled_variance():
    assert check.score_variance(64, 64) and check.score_variance(64, 64.0)
    assert says(check.score_variance(64, 8), "standard deviation")
    assert says(check.score_variance(64, 1), "after dividing by sqrt(D)")
    assert says(check.score_variance(64, 4096), "variances of independent terms add")
    assert says(check.score_variance(64, 32), "independent")
    assert answers_clearly(lambda a: check.score_variance(64, a), ())


def test_param_count_names_the_missing_parts():
    V, H, A = 13, 16, 16
    plain = 2 * gru_param_count(V, H) + V * (H + 1)
    right = plain + 3 * H * H + A * (2 * H + 2)
    assert right == 4413
    count = lambda a: check.param_count(V, H, A, a)  # noqa: E731
    assert count(right)
    assert says(count(plain), "plain encoder-decoder")
    assert says(count(plain + A * (2 * H + 2)), "also reads the context")
    assert says(count(right - A * (2 * H + 2)), "attention's own weights")
    assert says(count(right - 2 * A), "bias b and vector v")
    assert says(count(4000), "the decoder GRU V + H")
    assert answers_clearly(count, ())
