import numpy as np
from selfcheck_support import accepts_every_rounding, answers_clearly, says

from dlnotes.selfcheck import seq2seq as check

Y_IN, Y_OUT = ["<bos>", "0", "5", "2"], ["0", "5", "2", "<eos>"]


def test_param_count_names_the_missing_parts():
    count = lambda a: check.param_count(13, 64, a)  # noqa: E731
    assert count(30_797)
    assert says(count(29_952), "add the output layer")
    assert says(count(30_797 - 14_976), "two GRUs")
    assert says(count(30_797 - 6 * 64 - 13), "add the biases")
    assert says(count(30_000), "each GRU has three blocks")
    assert answers_clearly(count, ())


def test_decoder_sequences_names_swapped_unreversed_and_eos_read():
    assert check.decoder_sequences("250", Y_IN, Y_OUT)
    assert check.decoder_sequences("250", tuple(Y_IN), tuple(Y_OUT))
    assert says(check.decoder_sequences("250", Y_OUT, Y_IN), "swapped")
    assert says(check.decoder_sequences("250", ["<bos>", "2", "5", "0"],
                                        ["2", "5", "0", "<eos>"]), "reversed")
    assert says(check.decoder_sequences("250", Y_IN + ["<eos>"], Y_OUT), "never reads <eos>")
    assert says(check.decoder_sequences("250", Y_IN[:3], Y_OUT), "shifted right")
    assert says(check.decoder_sequences("250", np.array(Y_IN), Y_OUT), "two lists")
    assert says(check.decoder_sequences("250", None, None), "No answer yet")


def test_masked_loss_accepts_four_figures_and_names_the_unmasked_mean_and_the_sum():
    logits, targets, mask = check.loss_example()
    z = logits - logits.max(axis=2, keepdims=True)
    picked = np.take_along_axis(z - np.log(np.exp(z).sum(2, keepdims=True)),
                                targets[..., None], axis=2)[..., 0]
    assert accepts_every_rounding(check.masked_loss, -picked[mask].mean(), 4)
    assert says(check.masked_loss(-picked.mean()), "all 6 positions")
    assert says(check.masked_loss(-picked[mask].sum()), "that is the sum")
    assert says(check.masked_loss(0.3), "-log softmax")
    assert answers_clearly(check.masked_loss, ())


def test_context_bits_accepts_four_figures_and_names_other_units():
    bits = lambda a: check.context_bits(6, a)  # noqa: E731
    assert bits(19.93) and accepts_every_rounding(bits, 6 * np.log2(10), 4)
    assert says(bits(6 * np.log(10)), "nats")
    assert says(bits(6), "decimal digits")
    assert says(bits(1e6), "number of strings")
    assert says(bits(20.5), "log2(K) bits")
    assert answers_clearly(bits, ())
