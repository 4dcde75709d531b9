import numpy as np
import pytest
from matplotlib.figure import Figure

from dlnotes import translate_task as tt
from dlnotes.selfcheck import seq2seq as check
from dlnotes.seq2seq import Seq2Seq
from dlnotes.viz import seq2seq as viz


@pytest.fixture(scope="module")
def model():
    return Seq2Seq.init(len(tt.VOCAB), 8, np.random.default_rng(0))


def test_decoding_widget_follows_every_control(model):
    live = viz.decoding_widget(model)
    assert live.result["source"] == "31415"
    source, step = live.controls["source"], live.controls["step"]
    for text in ["", "7", "123456789012345", "12a4", "31415"]:
        before = live.result
        source.value = text
        assert live.result is not before, text
        # the step slider ends at the decoding's last step, and stays there
        assert step.max == max(1, len(live.result["tokens"])) == step.value, text
        for k in range(1, step.max):
            step.value = k
            assert live.result["shown"] == k and live.image.value, (text, k)
        step.value = step.max


def test_decoding_cleans_the_typed_text_and_shows_steps_up_to_eos(model):
    r = viz.compute_decoding(model, "12a4", 2)
    assert r["source"] == "124" and r["answer"] == "421" and r["note"]
    assert r["shown"] == 2 and r["inputs"][0] == "<bos>"
    n = len(r["tokens"])
    assert n <= 5 and r["probs"].shape == (n, model.V)
    assert tt.EOS not in r["tokens"][:-1]
    assert viz.compute_decoding(model, "124", 99)["shown"] == n
    long = viz.compute_decoding(model, "1" * 20, 1)
    assert long["source"] == "1" * viz.MAX_DIGITS and "cut" in long["note"]
    empty = viz.compute_decoding(model, "", 3)
    fig = Figure()
    assert "Type" in viz.draw_decoding(fig, empty)


def test_decoding_status_says_whether_the_final_output_is_right():
    r = {"source": "12", "answer": "21", "tokens": np.array([tt.INDEX["2"], tt.INDEX["1"],
                                                              tt.EOS]),
         "probs": np.full((3, len(tt.VOCAB)), 1 / len(tt.VOCAB)),
         "inputs": ["<bos>", "2", "1"], "shown": 3, "note": ""}
    assert "right" in viz.draw_decoding(Figure(), r)
    r["tokens"] = np.array([tt.INDEX["2"], tt.INDEX["2"], tt.EOS])
    assert "wrong, the answer is 21" in viz.draw_decoding(Figure(), r)


def test_static_figures_draw(model):
    fig = Figure()
    viz.draw_architecture(fig, "314")
    assert fig.axes[0].get_title()
    fig = Figure()
    viz.draw_loss_curve(fig, np.linspace(2, 0.1, 120), decay_step=100)
    assert fig.axes[0].get_xlabel() and fig.axes[0].get_ylabel()
    rng = np.random.default_rng(1)
    study = viz.compute_length_study({"H = 8": model}, [1, 2, 3], 20, ["1", "2"], rng)
    assert study["count"][0] == 8 and study["count"][2] == 20
    assert study["exact"]["H = 8"].shape == (1, 3)
    viz.draw_length_study(Figure(), study, train_max=2)
    exposure = viz.compute_exposure(model, tt.random_strings(10, 3, 3, rng), 1)
    np.testing.assert_array_equal(exposure["k"], [1, 2])
    assert exposure["right"].shape == exposure["wrong"].shape == (1, 2)
    viz.draw_exposure(Figure(), exposure)


def test_the_studies_take_one_model_per_seed_and_draw_their_median(model):
    other = Seq2Seq.init(len(tt.VOCAB), 8, np.random.default_rng(5))
    train = ["1", "2"]
    study = viz.compute_length_study({"a": [model, other, model], "b": model}, [2, 3], 20,
                                     train, np.random.default_rng(1))
    alone = viz.compute_length_study({"a": other}, [2, 3], 20, train,
                                     np.random.default_rng(1))
    assert study["exact"]["a"].shape == (3, 2) and study["exact"]["b"].shape == (1, 2)
    # one row per model, all on the same strings
    np.testing.assert_array_equal(study["exact"]["a"][1], alone["exact"]["a"][0])
    np.testing.assert_array_equal(study["exact"]["a"][0], study["exact"]["a"][2])
    fig = Figure()
    viz.draw_length_study(fig, study, train_max=2)
    assert "median of 3 runs" in fig.axes[0].get_title()
    sources = tt.random_strings(12, 4, 4, np.random.default_rng(2))
    exposure = viz.compute_exposure([model, other, model], sources, 3)
    assert exposure["right"].shape == exposure["wrong"].shape == (3, 3)
    # every model gets the same wrong tokens
    np.testing.assert_array_equal(exposure["wrong"][0], exposure["wrong"][2])
    single = viz.compute_exposure(other, sources, 3)
    np.testing.assert_array_equal(exposure["wrong"][1], single["wrong"][0])
    fig = Figure()
    viz.draw_exposure(fig, exposure)
    assert "median of 3 runs" in fig.axes[0].get_title()


def test_length_study_marks_lengths_with_no_unseen_string(model):
    every_digit = [str(d) for d in range(10)]
    study = viz.compute_length_study({"m": model}, [1, 2], 5, every_digit,
                                     np.random.default_rng(0))
    assert study["count"][0] == 0 and np.isnan(study["exact"]["m"][0, 0])
    assert study["count"][1] == 5


def test_self_checks_accept_the_right_answers_and_hint_otherwise():
    assert check.param_count(13, 64, 2 * 3 * 64 * (13 + 64 + 1) + 13 * 65)
    assert not check.param_count(13, 64, 1)
    assert check.decoder_sequences("250", ["<bos>", "0", "5", "2"], ["0", "5", "2", "<eos>"])
    wrong = check.decoder_sequences("250", ["0", "5", "2"], ["0", "5", "2", "<eos>"])
    assert not wrong and "Hint" in repr(wrong)
    assert not check.decoder_sequences("250", None, None)
    assert "No answer yet" in repr(check.decoder_sequences("250", None, None))
    logits, targets, mask = check.loss_example()
    log_p = logits - np.log(np.exp(logits).sum(2, keepdims=True))
    picked = np.take_along_axis(log_p, targets[..., None], 2)[..., 0]
    assert check.masked_loss(-picked[mask].mean())
    assert not check.masked_loss(-picked.mean())
    assert check.context_bits(6, 6 * np.log2(10))
    assert not check.context_bits(6, 6)


def test_the_toy_decoder_traps_greedy_decoding_and_not_the_beam():
    found = viz.toy_search()
    assert found[1] == ("a <eos>", pytest.approx(0.6 * 0.4))  # greedy: the likelier first token
    for w in (2, 3, "exhaustive"):
        assert found[w] == ("b <eos>", pytest.approx(0.4 * 0.9))
    for row in viz.TOY_TABLE.values():
        assert sum(row) == pytest.approx(1)


def test_beam_study_compares_greedy_and_beam_on_the_same_strings(model):
    r = viz.compute_beam_study([model, model], [2, 3], 5, np.random.default_rng(0),
                               width=2, alphas=(0.0, 1.0))
    assert r["greedy"].shape == r["higher"].shape == (2, 2)
    assert r["beam"].shape == (2, 2, 2) and r["short"].shape == (2, 2, 3)
    np.testing.assert_array_equal(r["greedy"][0], r["greedy"][1])  # same strings
    # width 1 of the beam is greedy decoding: with width 1 nothing is higher or lower
    one = viz.compute_beam_study([model], [3], 5, np.random.default_rng(0), width=1,
                                 alphas=(0.0,))
    assert one["higher"][0, 0] == one["lower"][0, 0] == 0
    np.testing.assert_array_equal(one["beam"][0, :, 0], one["greedy"][0])


def test_toy_tree_marks_greedy_red_and_the_best_sequence_green():
    fig = Figure()
    viz.draw_toy_tree(fig)
    texts = {t.get_text(): t.get_color() for t in fig.axes[0].texts}
    assert texts["p = 0.240"] == "C3" and texts["p = 0.360"] == "C2"
    assert texts["a a <eos>"] == "0.5"
