"""Attention: a weighted average of values, weighted by how well keys match a query.

For query i and keys k_1..k_Tk with values v_1..v_Tk::

    s_ij = score(q_i, k_j),    a_ij = softmax_j(s_ij),    c_i = sum_j a_ij v_j

Two scores:

- dot product (Luong), ``s_ij = q_i . k_j / sqrt(D)`` when ``scaled`` (the
  transformer's choice), without the 1/sqrt(D) otherwise. No parameters;
  query and key must have the same size D.
- additive (Bahdanau), ``s_ij = v^T tanh(W_q q_i + W_k k_j + b)``, a one-hidden-
  layer net of A tanh units on each (query, key) pair. Query and key sizes may
  differ; the price is a (N, Tq, Tk, A) array of hidden units, kept for the
  backward: memory O(N Tq Tk A), where the dot product needs O(N Tq Tk).

Padded keys (``mask`` False) get weight exactly 0, so they receive no
gradient either. Shapes: N batch, Tq queries, Tk keys, D query/key size
(Dq, Dk when they differ), Dv value size, A additive attention's hidden size.

The backward of the softmax, row by row: ``ds_ij = a_ij (da_ij - sum_l a_il
da_il)``, with ``da = dc V^T`` from ``c = a V``.
"""

import numpy as np

from ._checks import check_int, check_keys, check_rng, check_shape


def _check_mask(mask, n, tk):
    """None, or a bool array (N, Tk) with at least one True per row."""
    if mask is None:
        return None
    arr = np.asarray(mask)
    if arr.dtype != bool:
        raise TypeError(f"mask must be a bool array (N, Tk) = ({n}, {tk}), True for a real "
                        f"key, got dtype {arr.dtype}")
    if arr.shape != (n, tk):
        raise ValueError(f"mask must have shape (N, Tk) = ({n}, {tk}), got {arr.shape}")
    empty = ~arr.any(axis=1)
    if empty.any():
        raise ValueError(f"mask masks every key of row {int(np.argmax(empty))}: a softmax "
                         f"over no keys is undefined; each row needs at least one True")
    return arr


def _softmax(s, mask):
    """Softmax over the last axis of s (N, Tq, Tk); mask (N, Tk) or None."""
    if mask is not None:
        s = np.where(mask[:, None, :], s, -np.inf)  # exp(-inf) is exactly 0
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_backward(da, a):
    """ds from da through a = softmax(s): a * (da - sum(a * da)) row by row.
    Masked entries have a = 0 and get ds = 0."""
    return a * (da - np.sum(a * da, axis=-1, keepdims=True))


def masked_softmax(scores, mask=None):
    """Softmax over the last axis, with padded keys left out.

    Parameters
    ----------
    scores : ndarray (N, Tq, Tk)
    mask : bool array (N, Tk), optional; False marks a padded key, which gets
        weight exactly 0. Every row needs at least one True (a ValueError
        naming ``mask`` otherwise).

    Returns
    -------
    weights : ndarray (N, Tq, Tk), each row non-negative and summing to 1
    """
    scores = check_shape("scores", scores, ("N", "Tq", "Tk"))
    n, _, tk = scores.shape
    if tk == 0:
        raise ValueError("scores must have at least one key (Tk >= 1): a softmax over no "
                         f"keys is undefined, got shape {scores.shape}")
    mask = _check_mask(mask, n, tk)
    return _softmax(scores, mask)


def _check_qkv(q, K, V, dk=None):
    """q (N, Tq, Dq), K (N, Tk, Dk) and V (N, Tk, Dv) with matching N and Tk;
    ``dk`` "D" asks for Dk = Dq."""
    q = check_shape("q", q, ("N", "Tq", "D"))
    n, _, d = q.shape
    K = check_shape("K", K, (n, "Tk", d if dk == "D" else "Dk"))
    tk = K.shape[1]
    V = check_shape("V", V, (n, tk, "Dv"))
    if tk == 0:
        raise ValueError(f"K must hold at least one key (Tk >= 1): a softmax over no keys is "
                         f"undefined, got shape {K.shape}")
    return q, K, V


def dot_product_attention_forward(q, K, V, mask=None, scaled=True):
    """Dot-product attention of every query over the keys of its example.

    ``s = q K^T / sqrt(D)`` (without the 1/sqrt(D) if not ``scaled``),
    ``a = softmax(s)`` over the keys, ``c = a V``.

    Parameters
    ----------
    q : ndarray (N, Tq, D), the queries
    K : ndarray (N, Tk, D), the keys
    V : ndarray (N, Tk, Dv), the values
    mask : bool array (N, Tk), optional; False marks a padded key
    scaled : bool, divide the scores by sqrt(D)

    Returns
    -------
    context : ndarray (N, Tq, Dv)
    weights : ndarray (N, Tq, Tk), the attention weights a
    cache : for ``dot_product_attention_backward``
    """
    q, K, V = _check_qkv(q, K, V, dk="D")
    if not isinstance(scaled, bool | np.bool_):
        raise TypeError(f"scaled must be a bool, got {type(scaled).__name__}")
    mask = _check_mask(mask, q.shape[0], K.shape[1])
    scale = 1.0 / np.sqrt(q.shape[2]) if scaled and q.shape[2] else 1.0
    a = _softmax(q @ K.transpose(0, 2, 1) * scale, mask)
    return a @ V, a, (q, K, V, a, scale)


def dot_product_attention_backward(dcontext, cache):
    """Gradients of dot-product attention.

    Parameters
    ----------
    dcontext : ndarray (N, Tq, Dv), loss gradient at the context
    cache : from ``dot_product_attention_forward``

    Returns
    -------
    dq : ndarray (N, Tq, D)
    dK : ndarray (N, Tk, D), zero at masked keys
    dV : ndarray (N, Tk, Dv), zero at masked keys
    """
    q, K, V, a, scale = cache
    dcontext = check_shape("dcontext", dcontext, (q.shape[0], q.shape[1], V.shape[2]))
    dV = a.transpose(0, 2, 1) @ dcontext
    ds = _softmax_backward(dcontext @ V.transpose(0, 2, 1), a) * scale
    return ds @ K, ds.transpose(0, 2, 1) @ q, dV


ADDITIVE_KEYS = ("W_q", "W_k", "b", "v")


def _check_additive_params(params, dq, dk):
    check_keys("params", params, ADDITIVE_KEYS)
    W_q = check_shape("params['W_q']", params["W_q"], ("A", dq))
    A = W_q.shape[0]
    return (W_q, check_shape("params['W_k']", params["W_k"], (A, dk)),
            check_shape("params['b']", params["b"], (A,)),
            check_shape("params['v']", params["v"], (A,)))


def additive_attention_forward(q, K, V, params, mask=None):
    """Additive (Bahdanau) attention.

    ``s_ij = v^T tanh(W_q q_i + W_k k_j + b)``, ``a = softmax(s)`` over the
    keys, ``c = a V``. The tanh units of every (query, key) pair are kept for
    the backward: an array (N, Tq, Tk, A), memory O(N Tq Tk A).

    Parameters
    ----------
    q : ndarray (N, Tq, Dq), the queries (a decoder state, say)
    K : ndarray (N, Tk, Dk), the keys (the encoder's states)
    V : ndarray (N, Tk, Dv), the values (often K itself)
    params : dict with W_q (A, Dq), W_k (A, Dk), b (A,), v (A,)
    mask : bool array (N, Tk), optional; False marks a padded key

    Returns
    -------
    context : ndarray (N, Tq, Dv)
    weights : ndarray (N, Tq, Tk)
    cache : for ``additive_attention_backward``
    """
    q, K, V = _check_qkv(q, K, V)
    W_q, W_k, b, v = _check_additive_params(params, q.shape[2], K.shape[2])
    mask = _check_mask(mask, q.shape[0], K.shape[1])
    # the query and key halves once each, then every pair by broadcasting
    hid = (q @ W_q.T)[:, :, None, :] + (K @ W_k.T + b)[:, None, :, :]
    np.tanh(hid, out=hid)  # in place: the largest array of the layer, made once
    a = _softmax(hid @ v, mask)
    return a @ V, a, (q, K, V, a, hid, (W_q, W_k, v))


def additive_attention_backward(dcontext, cache):
    """Gradients of additive attention.

    Parameters
    ----------
    dcontext : ndarray (N, Tq, Dv), loss gradient at the context
    cache : from ``additive_attention_forward``

    Returns
    -------
    dq : ndarray (N, Tq, Dq)
    dK : ndarray (N, Tk, Dk), zero at masked keys
    dV : ndarray (N, Tk, Dv), zero at masked keys
    grads : dict with W_q (A, Dq), W_k (A, Dk), b (A,), v (A,)
    """
    q, K, V, a, hid, (W_q, W_k, v) = cache
    dcontext = check_shape("dcontext", dcontext, (q.shape[0], q.shape[1], V.shape[2]))
    dV = a.transpose(0, 2, 1) @ dcontext
    ds = _softmax_backward(dcontext @ V.transpose(0, 2, 1), a)  # (N, Tq, Tk)
    A = W_q.shape[0]
    dv = ds.reshape(-1) @ hid.reshape(-1, A)  # sum over every (query, key) pair
    # at W_q q_i + W_k k_j + b: ds v (1 - hid^2), in place in one new array
    dpre = hid * hid
    np.subtract(1.0, dpre, out=dpre)
    dpre *= v
    dpre *= ds[..., None]
    dqa, dka = dpre.sum(axis=2), dpre.sum(axis=1)  # (N, Tq, A), (N, Tk, A)
    grads = {"W_q": dqa.reshape(-1, A).T @ q.reshape(-1, q.shape[2]),
             "W_k": dka.reshape(-1, A).T @ K.reshape(-1, K.shape[2]),
             "b": dka.sum(axis=(0, 1)), "v": dv}
    return dqa @ W_q, dka @ W_k, dV, grads


def additive_attention_init(dq, dk, A, rng):
    """Fresh additive-attention parameters: W_q, W_k and v uniform in
    [-1/sqrt(fan-in), 1/sqrt(fan-in)] (fan-in Dq, Dk and A), b zero.

    Returns
    -------
    params : dict with W_q (A, Dq), W_k (A, Dk), b (A,), v (A,)
    """
    dq, dk, A = check_int("dq", dq, 1), check_int("dk", dk, 1), check_int("A", A, 1)
    rng = check_rng("rng", rng)
    u = lambda fan_in, shape: rng.uniform(-1, 1, shape) / np.sqrt(fan_in)  # noqa: E731
    return {"W_q": u(dq, (A, dq)), "W_k": u(dk, (A, dk)), "b": np.zeros(A), "v": u(A, A)}


def additive_attention_param_count(dq, dk, A):
    """Trainable parameters of additive attention: A (Dq + Dk + 2).

    W_q (A, Dq), W_k (A, Dk), the bias b and the output vector v (A each).
    Dot-product attention has none.
    """
    dq, dk, A = check_int("dq", dq, 1), check_int("dk", dk, 1), check_int("A", A, 1)
    return A * (dq + dk + 2)


def softmax_saturation(dims, n_keys, n_queries, rng):
    """How the softmax of dot products saturates as the size D grows, with and
    without the 1/sqrt(D) scale.

    For each D in ``dims``: ``n_queries`` random queries, each against its own
    ``n_keys`` random keys, every entry a standard normal. Then q . k has
    variance D: unscaled, the scores spread as sqrt(D) and the softmax puts
    nearly all its weight on one key, where its gradient vanishes; divided by
    sqrt(D) they have variance 1 whatever D.

    Parameters
    ----------
    dims : sequence of S ints >= 1, the sizes D
    n_keys : int >= 2, keys per query (Tk)
    n_queries : int >= 1, queries drawn per size
    rng : np.random.Generator

    Returns
    -------
    dict of ndarray (S,), means over the queries, for "unscaled" and
    "scaled" scores (the key names end in one of them):

    - ``max_weight_*``: the largest attention weight, from 1/Tk (uniform) to 1
    - ``entropy_*``: the weights' entropy in nats, from log Tk to 0
    - ``grad_norm_*``: the Frobenius norm of the softmax's Jacobian
      diag(a) - a a^T, which goes to 0 as the softmax saturates
    - ``score_std_*``: the standard deviation of the scores (sqrt(D), 1)
    """
    if not isinstance(dims, list | tuple | range | np.ndarray):
        raise TypeError(f"dims must be a sequence of ints, got {type(dims).__name__}")
    dims = [check_int(f"dims[{i}]", d, 1) for i, d in enumerate(dims)]
    if not dims:
        raise ValueError("dims must hold at least one size, got none")
    check_int("n_keys", n_keys, 2)
    check_int("n_queries", n_queries, 1)
    rng = check_rng("rng", rng)
    out = {f"{m}_{s}": np.empty(len(dims)) for m in ("max_weight", "entropy", "grad_norm",
                                                      "score_std") for s in ("unscaled", "scaled")}
    for i, d in enumerate(dims):
        q = rng.standard_normal((n_queries, 1, d))
        K = rng.standard_normal((n_queries, n_keys, d))
        raw = (q @ K.transpose(0, 2, 1))[:, 0]  # (n_queries, n_keys)
        for name, s in (("unscaled", raw), ("scaled", raw / np.sqrt(d))):
            a = _softmax(s[:, None], None)[:, 0]
            ent = -np.sum(a * np.log(np.where(a > 0, a, 1.0)), axis=1)
            # ||diag(a) - a a^T||_F^2 = sum a^2 - 2 sum a^3 + (sum a^2)^2
            a2 = np.sum(a * a, axis=1)
            jac = np.sqrt(np.maximum(a2 - 2 * np.sum(a**3, axis=1) + a2 * a2, 0.0))
            out[f"max_weight_{name}"][i] = a.max(axis=1).mean()
            out[f"entropy_{name}"][i] = ent.mean()
            out[f"grad_norm_{name}"][i] = jac.mean()
            out[f"score_std_{name}"][i] = s.std()
    return out
