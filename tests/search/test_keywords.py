"""Keyword tokens and scores (search.keywords)."""
import pytest

from search.keywords import KeywordDoc, keyword_scores, query_tokens, tokens


@pytest.mark.parametrize("text, expected", [
    ("Kick_808_Punchy_01", ["kick", "808", "punchy"]),
    ("HHOpen", ["hihat", "open"]),
    ("KickDrum120bpm", ["kick", "120", "bpm"]),
    ("hi-hat loops", ["hihat", "loop"]),
    ("Bass Drum", ["kick"]),
    ("SD_tight", ["snare", "tight"]),
    ("warm analog pad with strings", ["warm", "analog", "pad", "string"]),
    ("Vox Chops", ["vocal", "chop"]),
    ("basses", ["bass"]),
    ("", []),
])
def test_tokens(text, expected):
    assert tokens(text) == expected


def test_query_tokens_are_distinct():
    assert query_tokens("kick kick KICKS") == ["kick"]


def doc(name, folder="/lib", tags=()):
    return KeywordDoc.of(name=name, folder=folder, tags=list(tags))


def test_fields_weigh_name_over_tags_over_folder():
    docs = [doc("kick_01.wav"), doc("x.wav", tags=["Kick"]), doc("y.wav", folder="/a/Kicks"),
            doc("z.wav", folder="/kick/a/b/c")]  # too deep: only the last 3 folders count
    assert keyword_scores(["kick"], docs) == pytest.approx([1.0, 0.8, 0.6, 0.0])


def test_prefix_match_gets_partial_credit():
    assert doc("percussive_hit.wav").match("percussion") == pytest.approx(0.6)
    assert doc("pads.wav").match("paddle") == 0.0  # too short for a prefix match


def test_rare_words_weigh_more_and_unmatched_words_do_not_dilute():
    docs = [doc("kick_dry.wav"), doc("kick_punchy.wav"), doc("kick_soft.wav"), doc("snare.wav")]
    s = keyword_scores(query_tokens("punchy kick zebra"), docs)
    assert s[1] == pytest.approx(1.0)          # matches both words that occur
    assert 0 < s[0] == s[2] < 0.5               # only the common word
    assert s[3] == 0.0


def test_no_tokens_no_scores():
    assert keyword_scores([], [doc("a.wav")]) == [0.0]
    assert keyword_scores(["zebra"], [doc("a.wav")]) == [0.0]


def test_near_words():
    assert doc("synthwave_lead.wav").match("synth") == pytest.approx(0.6)
    assert doc("strong.wav").match("string") == 0.0
