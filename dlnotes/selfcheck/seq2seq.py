"""Self-checks for chapter 6: sequence to sequence."""

import numpy as np

from ..seq2seq import Seq2Seq
from ..seqloss import sequence_cross_entropy
from ..translate_task import VOCAB, teacher_forcing_pair, translate
from . import Verdict, _no_answer, check_close, check_equal


def param_count(V, H, answer):
    """Check the number of trainable numbers of a ``Seq2Seq`` with vocabulary
    size V and hidden size H (two GRUs and the output layer)."""
    model = Seq2Seq.init(V, H, np.random.default_rng(0))
    return check_equal(
        answer, int(sum(p.size for p in model.params.values())),
        "each GRU has three blocks W_u, W_r, W_c of shape (H, V + H) and three "
        "biases of H; the output layer W_y is (V, H) with a bias of V.",
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
    return check_equal((list(y_in), list(y_out)), (names(tin[0]), names(tout[0])), hint)


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
    return check_close(
        answer, sequence_cross_entropy(logits, targets, mask)[0],
        "at each real step take -log softmax(logits)[target]; average over the 5 "
        "real steps, not over all 6 (the padded one would add a confident, "
        "meaningless 'right answer').",
    )


def context_bits(length, answer):
    """Check the information in a random digit string of ``length`` digits, in bits."""
    return check_close(
        answer, length * np.log2(10),
        "there are 10**length equally likely strings; a choice among K equally "
        "likely things carries log2(K) bits.",
    )
