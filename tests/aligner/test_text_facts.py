"""The tempo/key/mode facts the builtin text tower reads from a query."""
import numpy as np
import pytest

from aligner.text_facts import FACT_DIM, NOTE_NAMES, TEMPO_CENTRES, fact_vector, text_facts

N_T = len(TEMPO_CENTRES)
TONIC0 = N_T + 1
QUALITY0 = TONIC0 + 13


def stated_bpm(v: np.ndarray) -> float:
    """Invert the tempo bumps: the centre-weighted mean around the strongest bump."""
    k = int(v[:N_T].argmax())
    lo, hi = max(0, k - 2), min(N_T, k + 3)
    w = v[lo:hi]
    return float(2 ** ((w * TEMPO_CENTRES[lo:hi]).sum() / w.sum()))


@pytest.mark.parametrize("text,bpm", [("boom bap at 92 bpm", 92), ("tempo: 151, hushed", 151),
                                      ("around 120 beats per minute", 120), ("174bpm dnb", 174)])
def test_tempo_is_read_and_encoded_near_the_stated_bpm(text, bpm):
    v = fact_vector(text)
    assert v[N_T] == 1.0
    assert abs(stated_bpm(v) / bpm - 1) < 0.03


def test_nearby_tempi_are_similar_and_distant_ones_are_not():
    a, b, c = (fact_vector(f"house {t} bpm")[:N_T] for t in (120, 124, 170))
    cos = lambda x, y: float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))  # noqa: E731
    assert cos(a, b) > 0.8 > 0.1 > cos(a, c)


@pytest.mark.parametrize("text,tonic,quality", [
    ("sad piano in D minor", "D", 1), ("F#m trap", "F#", 1), ("Eb major pop", "D#", 0),
    ("funk in B flat mixolydian", "A#", 0), ("music in a minor key", None, 1),
    ("a happy song in a major key", None, 0)])
def test_key_and_mode(text, tonic, quality):
    v = fact_vector(text)
    if tonic is None:
        assert v[TONIC0:TONIC0 + 13].sum() == 0
    else:
        assert v[TONIC0 + NOTE_NAMES.index(tonic)] == 1.0 and v[TONIC0 + 12] == 1.0
    assert v[QUALITY0 + quality] == 1.0 and v[QUALITY0 + 1 - quality] == 0.0


def test_a_text_stating_nothing_gives_zeros_and_numbers_are_not_tempi_by_accident():
    f = text_facts(["punchy kick drum", "a minor detail", "808 cowbell", "at 3 o'clock"])
    assert f.shape == (4, FACT_DIM) and f.dtype == np.float32
    assert not f.any()


def test_the_text_head_refuses_to_guess_missing_facts():
    import torch

    from aligner.model import TextHead
    head = TextHead({"text_dim": 384, "text_facts": FACT_DIM, "hidden": 16, "dim": 8, "dropout": 0.0})
    with pytest.raises(ValueError, match="needs facts"):
        head(torch.zeros(2, 384))
    assert head(torch.zeros(2, 384), torch.zeros(2, FACT_DIM)).shape == (2, 8)
