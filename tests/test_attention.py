import numpy as np
import pytest

from dlnotes.attention import (
    additive_attention_backward,
    additive_attention_forward,
    additive_attention_init,
    additive_attention_param_count,
    dot_product_attention_backward,
    dot_product_attention_forward,
    masked_softmax,
    softmax_saturation,
)
from dlnotes.gradcheck import assert_grad_within, fd_error_bound, numerical_gradient

# N, Tq, Tk, D (query and key size), Dv; Tq = 1 is a decoder's one step
DOT_SHAPES = [(1, 1, 1, 1, 1), (2, 1, 4, 3, 2), (3, 4, 5, 2, 3)]
# N, Tq, Tk, Dq, Dk, Dv, A
ADD_SHAPES = [(1, 1, 1, 1, 1, 1, 1), (2, 1, 4, 3, 2, 2, 3), (3, 4, 5, 2, 3, 3, 4)]


def _mask(rng, n, tk):
    """Ragged key lengths in [1, Tk], the first row full, the last one short when it can."""
    lengths = rng.integers(1, tk + 1, n)
    lengths[0] = tk
    if n > 1 and tk > 1:
        lengths[-1] = tk - 1
    return np.arange(tk) < lengths[:, None]


def _reference(q, K, V, score, mask):
    """Attention with loops: c_i = sum_j softmax_j(score(q_i, k_j)) v_j over real keys."""
    n, tq, tk = q.shape[0], q.shape[1], K.shape[1]
    c = np.zeros((n, tq, V.shape[2]))
    for b in range(n):
        for i in range(tq):
            s = np.array([score(q[b, i], K[b, j]) for j in range(tk)])
            real = np.ones(tk, bool) if mask is None else mask[b]
            e = np.where(real, np.exp(s - s[real].max()), 0.0)
            c[b, i] = (e / e.sum()) @ V[b]
    return c


def _dot_problem(shape, seed, masked):
    n, tq, tk, d, dv = shape
    rng = np.random.default_rng(seed)
    q, K, V = rng.normal(size=(n, tq, d)), rng.normal(size=(n, tk, d)), rng.normal(size=(n, tk, dv))
    return rng, q, K, V, (_mask(rng, n, tk) if masked else None)


def _add_problem(shape, seed, masked):
    n, tq, tk, dq, dk, dv, A = shape
    rng = np.random.default_rng(seed)
    q, K = rng.normal(size=(n, tq, dq)), rng.normal(size=(n, tk, dk))
    V = rng.normal(size=(n, tk, dv))
    # weights of order one and a non-zero bias: gradients far from round-off size
    params = {k: p + rng.normal(0, 0.5, p.shape)
              for k, p in additive_attention_init(dq, dk, A, rng).items()}
    return rng, q, K, V, params, (_mask(rng, n, tk) if masked else None)


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("scaled", [True, False])
@pytest.mark.parametrize("shape", DOT_SHAPES)
def test_dot_product_attention_matches_the_formula(shape, scaled, masked):
    _, q, K, V, mask = _dot_problem(shape, 0, masked)
    c, a, _ = dot_product_attention_forward(q, K, V, mask, scaled)
    scale = 1 / np.sqrt(shape[3]) if scaled else 1.0
    ref = _reference(q, K, V, lambda qi, kj: qi @ kj * scale, mask)
    np.testing.assert_allclose(c, ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(a.sum(axis=2), 1.0, rtol=1e-14)


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("shape", ADD_SHAPES)
def test_additive_attention_matches_the_formula(shape, masked):
    _, q, K, V, P, mask = _add_problem(shape, 1, masked)
    c, a, _ = additive_attention_forward(q, K, V, P, mask)
    score = lambda qi, kj: P["v"] @ np.tanh(P["W_q"] @ qi + P["W_k"] @ kj + P["b"])  # noqa: E731
    np.testing.assert_allclose(c, _reference(q, K, V, score, mask), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(a.sum(axis=2), 1.0, rtol=1e-14)


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("scaled", [True, False])
@pytest.mark.parametrize("shape", DOT_SHAPES)
def test_dot_product_attention_backward_matches_finite_differences(shape, scaled, masked):
    rng, q, K, V, mask = _dot_problem(shape, 2, masked)
    c, _, cache = dot_product_attention_forward(q, K, V, mask, scaled)
    dc = rng.normal(size=c.shape)
    dq, dK, dV = dot_product_attention_backward(dc, cache)
    f = lambda: dot_product_attention_forward(q, K, V, mask, scaled)[0]  # noqa: E731
    bound = fd_error_bound(c, dc)
    for name, x, g in (("q", q, dq), ("K", K, dK), ("V", V, dV)):
        assert_grad_within(name, numerical_gradient(f, x, dc), g, bound)


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("shape", ADD_SHAPES)
def test_additive_attention_backward_matches_finite_differences(shape, masked):
    rng, q, K, V, params, mask = _add_problem(shape, 3, masked)
    c, _, cache = additive_attention_forward(q, K, V, params, mask)
    dc = rng.normal(size=c.shape)
    dq, dK, dV, grads = additive_attention_backward(dc, cache)
    f = lambda: additive_attention_forward(q, K, V, params, mask)[0]  # noqa: E731
    bound = fd_error_bound(c, dc)
    assert set(grads) == set(params)
    for k, p in params.items():
        assert_grad_within(k, numerical_gradient(f, p, dc), grads[k], bound)
    for name, x, g in (("q", q, dq), ("K", K, dK), ("V", V, dV)):
        assert_grad_within(name, numerical_gradient(f, x, dc), g, bound)


def _both(q, K, V, mask, params):
    """(weights, dK, dV) of both kinds of attention for one upstream gradient."""
    out = []
    dc = np.ones((q.shape[0], q.shape[1], V.shape[2]))
    c, a, cache = dot_product_attention_forward(q, K, V, mask)
    out.append((c, a, *dot_product_attention_backward(dc, cache)[1:]))
    c, a, cache = additive_attention_forward(q, K, V, params, mask)
    out.append((c, a, *additive_attention_backward(dc, cache)[1:3]))
    return out


def test_masked_keys_get_weight_zero_and_no_gradient():
    rng = np.random.default_rng(4)
    n, tq, tk, d = 3, 2, 5, 4
    q, K, V = rng.normal(size=(n, tq, d)), rng.normal(size=(n, tk, d)), rng.normal(size=(n, tk, 3))
    mask = np.arange(tk) < np.array([5, 3, 1])[:, None]
    params = additive_attention_init(d, d, 6, rng)
    results = _both(q, K, V, mask, params)
    # whatever sits in a padded key or value is never read
    K2, V2 = K.copy(), V.copy()
    K2[~mask], V2[~mask] = 1e3, -1e3
    for (c, a, dK, dV), (c2, a2, _, _) in zip(results, _both(q, K2, V2, mask, params)):
        assert np.all(a[~mask[:, None, :].repeat(tq, 1)] == 0.0)
        assert np.all(a[mask[:, None, :].repeat(tq, 1)] > 0.0)
        np.testing.assert_allclose(a.sum(axis=2), 1.0, rtol=1e-14)
        assert np.all(dK[~mask] == 0.0) and np.all(dV[~mask] == 0.0)
        assert np.abs(dV[mask]).min() > 0
        # a key alone in its row has weight 1 whatever its score: no gradient to it
        assert np.abs(dK[:2][mask[:2]]).min() > 0 and np.all(dK[2] == 0.0)
        np.testing.assert_array_equal(c2, c)
        np.testing.assert_array_equal(a2, a)
    # one real key: all the weight on it, the context is its value
    np.testing.assert_allclose(results[0][0][2], V[2, :1].repeat(tq, 0), rtol=1e-15)


def test_padding_keys_away_equals_cutting_them_off():
    rng = np.random.default_rng(5)
    q, K, V = rng.normal(size=(1, 3, 4)), rng.normal(size=(1, 6, 4)), rng.normal(size=(1, 6, 2))
    mask = np.arange(6)[None] < 4
    params = additive_attention_init(4, 4, 5, rng)
    for full, cut in zip(_both(q, K, V, mask, params), _both(q, K[:, :4], V[:, :4], None, params)):
        np.testing.assert_allclose(full[0], cut[0], rtol=1e-13)
        np.testing.assert_allclose(full[1][..., :4], cut[1], rtol=1e-13)
        np.testing.assert_allclose(full[2][:, :4], cut[2], rtol=1e-12, atol=1e-15)


def test_masked_softmax():
    s = np.array([[[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]]])
    w = masked_softmax(s)
    np.testing.assert_allclose(w[0, 0], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum(), rtol=1e-15)
    np.testing.assert_allclose(w[0, 1], [1.0, 0.0, 0.0], atol=0)  # no overflow
    w = masked_softmax(s, np.array([[False, True, True]]))
    assert np.all(w[..., 0] == 0.0)
    np.testing.assert_allclose(w[0, 0, 1:], np.exp([2, 3]) / np.exp([2, 3]).sum(), rtol=1e-15)
    np.testing.assert_allclose(w.sum(axis=2), 1.0, rtol=1e-15)


def test_scaled_scores_are_the_unscaled_over_sqrt_d():
    rng = np.random.default_rng(6)
    q, K, V = rng.normal(size=(2, 3, 9)), rng.normal(size=(2, 4, 9)), rng.normal(size=(2, 4, 2))
    a = dot_product_attention_forward(q, K, V, scaled=True)[1]
    np.testing.assert_allclose(a, dot_product_attention_forward(q / 3, K, V, scaled=False)[1],
                               rtol=1e-13)


def test_unscaled_softmax_saturates_as_d_grows_and_scaled_does_not():
    dims = [4, 64, 1024]
    for seed in range(5):
        r = softmax_saturation(dims, 10, 400, np.random.default_rng(seed))
        assert set(r) == {f"{m}_{s}" for m in ("max_weight", "entropy", "grad_norm",
                                                "score_std") for s in ("unscaled", "scaled")}
        # unscaled: scores spread as sqrt(D), the weight goes to one key
        assert np.all(np.diff(r["max_weight_unscaled"]) > 0)
        assert r["max_weight_unscaled"][-1] > 0.95
        assert np.all(np.diff(r["entropy_unscaled"]) < 0) and r["entropy_unscaled"][-1] < 0.15
        assert np.all(np.diff(r["grad_norm_unscaled"]) < 0)
        assert r["grad_norm_unscaled"][-1] < 0.25 * r["grad_norm_scaled"][-1]
        np.testing.assert_allclose(r["score_std_unscaled"], np.sqrt(dims), rtol=0.1)
        # scaled: the same distribution of scores whatever D
        np.testing.assert_allclose(r["score_std_scaled"], 1.0, rtol=0.1)
        assert np.ptp(r["max_weight_scaled"]) < 0.05
        assert np.all((r["max_weight_scaled"] > 0.25) & (r["max_weight_scaled"] < 0.4))
        assert np.ptp(r["entropy_scaled"]) < 0.1
        assert np.all(r["entropy_scaled"] <= np.log(10))


def test_init_and_param_count():
    params = additive_attention_init(3, 5, 4, np.random.default_rng(0))
    assert {k: v.shape for k, v in params.items()} == {
        "W_q": (4, 3), "W_k": (4, 5), "b": (4,), "v": (4,)}
    assert np.all(np.abs(params["W_q"]) <= 1 / np.sqrt(3))
    assert np.all(np.abs(params["W_k"]) <= 1 / np.sqrt(5))
    assert np.all(params["b"] == 0)
    assert additive_attention_param_count(3, 5, 4) == sum(p.size for p in params.values()) == 40


def test_the_forward_modifies_nothing_and_returns_float64():
    rng = np.random.default_rng(7)
    q, K, V = rng.normal(size=(2, 1, 3)), rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 2))
    params = additive_attention_init(3, 3, 2, rng)
    copies = [x.copy() for x in (q, K, V)]
    c, a, _ = dot_product_attention_forward(q.astype(np.float32), K, V.tolist())
    assert c.dtype == a.dtype == np.float64
    additive_attention_forward(q, K, V, params, np.ones((2, 4), bool))
    for x, x0 in zip((q, K, V), copies):
        np.testing.assert_array_equal(x, x0)


def test_bad_input_names_the_argument_and_the_shapes():
    rng = np.random.default_rng(8)
    q, K, V = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 6))
    params = additive_attention_init(4, 4, 3, rng)
    with pytest.raises(ValueError, match=r"K must have shape \(2, Tk, 4\), got \(2, 5, 3\)"):
        dot_product_attention_forward(q, K[..., :3], V)
    with pytest.raises(ValueError, match=r"V must have shape \(2, 5, Dv\), got \(2, 4, 6\)"):
        dot_product_attention_forward(q, K, V[:, :4])
    with pytest.raises(ValueError, match=r"K must have shape \(3, Tk, 4\), got \(2, 5, 4\)"):
        dot_product_attention_forward(np.concatenate([q, q[:1]]), K, V)
    with pytest.raises(ValueError, match=r"q must have 3 dimensions \(N, Tq, D\), got shape"):
        dot_product_attention_forward(q[:, 0], K, V)
    with pytest.raises(ValueError, match=r"mask must have shape \(N, Tk\) = \(2, 5\), got"):
        dot_product_attention_forward(q, K, V, np.ones((2, 4), bool))
    with pytest.raises(TypeError, match="mask must be a bool array"):
        dot_product_attention_forward(q, K, V, np.ones((2, 5)))
    with pytest.raises(ValueError, match="mask masks every key of row 1"):
        dot_product_attention_forward(q, K, V, np.array([[True] * 5, [False] * 5]))
    with pytest.raises(ValueError, match="mask masks every key of row 0"):
        masked_softmax(np.zeros((1, 2, 3)), np.zeros((1, 3), bool))
    with pytest.raises(ValueError, match=r"K must hold at least one key \(Tk >= 1\)"):
        dot_product_attention_forward(q, K[:, :0], V[:, :0])
    with pytest.raises(ValueError, match="scores must have at least one key"):
        masked_softmax(np.zeros((1, 2, 0)))
    with pytest.raises(TypeError, match="scaled must be a bool"):
        dot_product_attention_forward(q, K, V, scaled=1)
    with pytest.raises(ValueError, match=r"params\['W_k'\] must have shape \(3, 4\), got \(3, 5\)"):
        additive_attention_forward(q, K, V, {**params, "W_k": np.zeros((3, 5))})
    with pytest.raises(ValueError, match=r"params\['W_q'\] must have shape \(A, 4\)"):
        additive_attention_forward(q, K, V, {**params, "W_q": np.zeros((3, 2))})
    with pytest.raises(ValueError, match=r"params\['v'\] must have shape \(3,\), got \(4,\)"):
        additive_attention_forward(q, K, V, {**params, "v": np.zeros(4)})
    with pytest.raises(ValueError, match="params is missing 'b'"):
        additive_attention_forward(q, K, V, {k: v for k, v in params.items() if k != "b"})
    _, _, cache = dot_product_attention_forward(q, K, V)
    with pytest.raises(ValueError, match=r"dcontext must have shape \(2, 3, 6\), got \(2, 3, 4\)"):
        dot_product_attention_backward(q, cache)
    _, _, cache = additive_attention_forward(q, K, V, params)
    with pytest.raises(ValueError, match=r"dcontext must have shape \(2, 3, 6\), got \(2, 3, 4\)"):
        additive_attention_backward(q, cache)
    with pytest.raises(ValueError, match="A must be >= 1, got 0"):
        additive_attention_init(4, 4, 0, rng)
    with pytest.raises(ValueError, match="n_keys must be >= 2"):
        softmax_saturation([4], 1, 10, rng)
    with pytest.raises(ValueError, match="dims must hold at least one size"):
        softmax_saturation([], 4, 10, rng)
