import numpy as np
import pytest

from dlnotes import translate_task as tt


def test_encode_pads_on_the_right_and_decode_inverts_it():
    tokens, lengths = tt.encode(["31", "4159", "2"])
    assert tokens.shape == (3, 4)
    np.testing.assert_array_equal(lengths, [2, 4, 1])
    np.testing.assert_array_equal(tokens[0], [tt.INDEX["3"], tt.INDEX["1"], tt.PAD, tt.PAD])
    assert [tt.decode(row) for row in tokens] == ["31", "4159", "2"]


def test_decode_stops_at_the_first_eos_and_skips_bos_and_pad():
    row = [tt.BOS, tt.INDEX["7"], tt.PAD, tt.INDEX["1"], tt.EOS, tt.INDEX["9"]]
    assert tt.decode(row) == "71"
    assert tt.decode([tt.EOS, tt.INDEX["5"]]) == ""


def test_teacher_forcing_pair_shifts_the_target_by_one_step():
    y_in, y_out = tt.teacher_forcing_pair(["413", "5"])
    d = tt.INDEX
    np.testing.assert_array_equal(y_in, [[tt.BOS, d["4"], d["1"], d["3"]],
                                         [tt.BOS, d["5"], tt.PAD, tt.PAD]])
    np.testing.assert_array_equal(y_out, [[d["4"], d["1"], d["3"], tt.EOS],
                                          [d["5"], tt.EOS, tt.PAD, tt.PAD]])
    # where y_out is real, the next input is the token just predicted
    np.testing.assert_array_equal(y_in[0, 1:], y_out[0, :-1])


def test_batch_pairs_each_source_with_its_reversal():
    b = tt.batch(["123", "98"])
    assert [tt.decode(r) for r in b["y_out"]] == ["321", "89"]
    assert [tt.decode(r) for r in b["src"]] == ["123", "98"]
    np.testing.assert_array_equal(b["src_len"], [3, 2])
    assert tt.translate("2026") == "6202"


def test_split_gives_distinct_held_out_strings_never_seen_in_training():
    train, test = tt.split(500, 200, 1, 4, np.random.default_rng(0))
    assert len(train) == 500 and 0 < len(test) <= 200
    assert len(set(test)) == len(test)
    assert not set(test) & set(train)
    assert all(1 <= len(s) <= 4 and s.isdigit() for s in train + test)


def test_random_strings_are_seeded_and_within_the_lengths():
    a = tt.random_strings(50, 2, 5, np.random.default_rng(1))
    assert a == tt.random_strings(50, 2, 5, np.random.default_rng(1))
    assert {len(s) for s in a} == {2, 3, 4, 5}


def test_subset_cuts_columns_that_hold_only_padding():
    data = tt.batch(["1", "123456", "42"])
    sub = tt.subset(data, np.array([0, 2]))
    assert sub["src"].shape == (2, 2) and sub["y_in"].shape == (2, 3)
    np.testing.assert_array_equal(sub["y_out"], data["y_out"][[0, 2], :3])
    np.testing.assert_array_equal(sub["src_len"], [1, 2])


def test_bad_strings_and_lengths_are_rejected_by_name():
    with pytest.raises(ValueError, match="non-empty string of digits.*'12a'"):
        tt.encode(["12a"])
    with pytest.raises(ValueError, match="non-empty string of digits.*''"):
        tt.encode([""])
    with pytest.raises(TypeError, match="strings must be a list of str"):
        tt.encode("123")
    with pytest.raises(ValueError, match="1 <= min_len <= max_len"):
        tt.random_strings(3, 4, 2, np.random.default_rng(0))
