"""Self-checks for chapter 7: attention."""

import numpy as np

from ..attention import dot_product_attention_forward
from ..gru import gru_param_count
from ..seq2seq_attention import Seq2SeqAttention
from . import check_answer

#: significant figures the chapter's exercises ask for
SIG = 3


def weights_example():
    """The exercise's query and keys: one query q (3,) and three keys K
    (3, 3), one key per row, all of size D = 3."""
    q = np.array([1.0, 0.0, 2.0])
    K = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0], [2.0, 0.0, 1.0]])
    return q, K


def dot_weights(answer):
    """Check the scaled dot-product attention weights (3,) of
    ``weights_example``'s query over its three keys."""
    q, K = weights_example()
    d = q.size

    def weights(scaled):
        return dot_product_attention_forward(q[None, None], K[None], K[None],
                                             scaled=scaled)[1][0, 0]

    scores = K @ q / np.sqrt(d)
    return check_answer(
        answer, weights(True),
        "score each key by q . k / sqrt(D) with D = 3, then take the softmax of "
        "the three scores: exp(s_j) / sum_l exp(s_l).",
        SIG, [(weights(False), "those are the weights of the unscaled scores q . k: "
               "divide each score by sqrt(3) first."),
              (scores, "those are the scores: the weights are their softmax."),
              (scores / scores.sum(), "the scores divided by their sum are not the "
               "softmax: exponentiate first."),
              (np.sort(weights(True))[::-1], "give the weights in the order of the keys.")],
    )


def score_variance(D, answer):
    """Check the variance of q . k for q and k of size ``D`` with independent
    entries of mean 0 and variance 1."""
    return check_answer(
        answer, float(D),
        "q . k is a sum of D products q_i k_i; each has mean 0 and variance "
        "E[q_i^2] E[k_i^2] = 1, and the products are independent.",
        SIG, [(np.sqrt(D), "that is the standard deviation: the variance is its square."),
              (1.0, "that is the variance after dividing by sqrt(D), not of q . k."),
              (float(D) ** 2, "the variances of independent terms add: D terms of "
               "variance 1.")],
    )


def param_count(V, H, A, answer):
    """Check the number of trainable numbers of a ``Seq2SeqAttention`` with
    vocabulary size V, hidden size H and additive attention of A units."""
    model = Seq2SeqAttention.init(V, H, np.random.default_rng(0), "additive", A)
    total = int(sum(p.size for p in model.params.values()))
    plain = 2 * gru_param_count(V, H) + V * (H + 1)
    attention = A * (2 * H + 2)
    return check_answer(
        answer, total,
        "the encoder GRU reads V inputs, the decoder GRU V + H (the previous "
        "token and the context); the output layer has V (H + 1); additive "
        "attention adds W_q (A, H), W_k (A, H), b and v (A each).",
        wrong=[(plain, "that is the plain encoder-decoder: add the attention's "
                "weights and the wider decoder input."),
               (plain + attention, "the decoder GRU also reads the context: its input "
                "is V + H wide, which adds 3 H H weights."),
               (total - attention, "add the attention's own weights, A (2 H + 2)."),
               (total - 2 * A, "add the attention's bias b and vector v, A each.")],
    )
