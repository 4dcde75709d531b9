"""Self-checks for chapter 6: sequence to sequence."""

import numpy as np

from ..seq2seq import Seq2Seq
from ..seqloss import sequence_cross_entropy
from ..translate_task import VOCAB, teacher_forcing_pair, translate
from . import Verdict, _no_answer, check_answer

#: significant figures the chapter's exercises ask for
SIG = 4


def param_count(V, H, answer):
    """Check the number of trainable numbers of a ``Seq2Seq`` with vocabulary
    size V and hidden size H (two GRUs and the output layer)."""
    model = Seq2Seq.init(V, H, np.random.default_rng(0))
    total = int(sum(p.size for p in model.params.values()))
    gru = 3 * H * (V + H + 1)
    return check_answer(
        answer, total,
        "each GRU has three blocks W_u, W_r, W_c of shape (H, V + H) and three "
        "biases of H; the output layer W_y is (V, H) with a bias of V.",
        wrong=[(2 * gru, "add the output layer: W_y (V, H) and b_y (V,)."),
               (total - gru, "there are two GRUs, the encoder and the decoder."),
               (total - 6 * H - V, "add the biases: three of H per GRU, V for the output.")],
    )


def decoder_sequences(source, y_in, y_out):
    """Check the decoder's inputs and targets under teacher forcing.

    ``y_in`` and ``y_out`` are lists of token names such as
    ``["<bos>", "3", "2"]``, without padding.
    """
    tin, tout = teacher_forcing_pair([translate(source)])
    names = lambda row: [VOCAB[t] for t in row if t != 0]  # noqa: E731, drop <pad>
    hint = ("the target is the reversed string then <eos>; the input is the same "
            "sequence shifted right by one step, starting with <bos>.")
    if y_in is None and y_out is None:
        return _no_answer(hint)
    if not (isinstance(y_in, list | tuple) and isinstance(y_out, list | tuple)):
        return Verdict(False, f"Not yet: give two lists of token names. Hint: {hint}")
    right_in, right_out = names(tin[0]), names(tout[0])
    return check_answer(
        (list(y_in), list(y_out)), (right_in, right_out), hint,
        wrong=[((right_out, right_in), "the two are swapped: the decoder reads <bos> first "
                "and must predict <eos> last."),
               ((["<bos>", *source], [*source, "<eos>"]), "the decoder writes the "
                "string reversed."),
               ((right_in + ["<eos>"], right_out), "the decoder never reads <eos>: its input "
                "stops before it.")],
    )


def loss_example():
    """The masked-loss exercise's batch: two target sequences, one padded.

    Returns
    -------
    logits : ndarray (2, 3, 3), scores for 3 tokens at 3 steps
    targets : int array (2, 3); the second row's last entry is padding (0)
    mask : bool array (2, 3), False at that padded step
    """
    logits = np.array([[[2.0, 0.5, -1.0], [0.0, 1.0, 0.0], [1.0, 1.0, 3.0]],
                       [[0.5, 2.5, 0.0], [-1.0, 0.0, 2.0], [4.0, 0.0, 0.0]]])
    targets = np.array([[0, 1, 2], [1, 2, 0]])
    mask = np.array([[True, True, True], [True, True, False]])
    return logits, targets, mask


def masked_loss(answer):
    """Check the mean cross-entropy over the real steps of ``loss_example``."""
    logits, targets, mask = loss_example()
    everything = sequence_cross_entropy(logits, targets, np.ones_like(mask))[0]
    masked = sequence_cross_entropy(logits, targets, mask)[0]
    return check_answer(
        answer, masked,
        "at each real step take -log softmax(logits)[target]; average over the 5 "
        "real steps, not over all 6 (the padded one would add a confident, "
        "meaningless 'right answer').",
        SIG, [(everything, "that is the mean over all 6 positions: leave out the "
               "padded one."),
              (masked * mask.sum(), "that is the sum: divide by the 5 real steps.")],
    )


def context_bits(length, answer):
    """Check the information in a random digit string of ``length`` digits, in bits."""
    return check_answer(
        answer, length * np.log2(10),
        "there are 10**length equally likely strings; a choice among K equally "
        "likely things carries log2(K) bits.",
        SIG, [(length * np.log(10), "that is in nats (natural log): bits use log2."),
              (float(length), "that is in decimal digits (log10): bits use log2."),
              (10.0 ** length, "that is the number of strings K: the bits are log2(K).")],
    )
