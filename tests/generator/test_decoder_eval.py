"""The generator evaluation: its estimators on signals with a known answer, and the whole
`evaluate` path on a tiny captioned corpus folder (real files, test aligner, small decoder)."""

import numpy as np
import pytest

from aligner_double import ProjectionAligner
from decoder_double import tiny_decoder
from tiny_corpus import write_tiny_corpus
from generator.gen_eval import estimate_key, estimate_tempo, evaluate, format_report, tempo_ok

SR = 22050


def clicks(bpm: float, seconds: float = 8.0) -> np.ndarray:
    x = np.zeros(int(seconds * SR), np.float32)
    period = 60.0 / bpm
    t = np.arange(int(0.03 * SR)) / SR
    click = (np.sin(2 * np.pi * 1500 * t) * np.exp(-t * 120)).astype(np.float32)
    for k in range(int(seconds / period)):
        i = int(k * period * SR)
        x[i:i + len(click)] += click[: len(x) - i]
    return x


def chords(names, seconds_each: float = 1.0) -> np.ndarray:
    """Sine-tone triads, e.g. [(60, 64, 67), ...] as MIDI pitches."""
    out = []
    t = np.arange(int(seconds_each * SR)) / SR
    for triad in names:
        out.append(sum(np.sin(2 * np.pi * 440 * 2 ** ((p - 69) / 12) * t) for p in triad) / 3)
    return np.concatenate(out).astype(np.float32)


@pytest.mark.parametrize("bpm", [90.0, 120.0, 150.0])
def test_tempo_estimator_on_click_tracks(bpm):
    est = estimate_tempo(clicks(bpm), SR)
    assert tempo_ok(est, bpm), est


def test_tempo_tolerance_rules():
    assert tempo_ok(100.0, 100.0) and tempo_ok(103.9, 100.0) and not tempo_ok(105.0, 100.0)
    assert tempo_ok(200.0, 100.0) and tempo_ok(50.0, 100.0)
    assert not tempo_ok(150.0, 100.0) and tempo_ok(150.0, 100.0, "6/8") and tempo_ok(300.0, 100.0, "6/8")


def test_key_estimator_on_cadences():
    c_major = chords([(60, 64, 67), (65, 69, 72), (67, 71, 74), (60, 64, 67)] * 2)
    a_minor = chords([(57, 60, 64), (62, 65, 69), (64, 68, 71), (57, 60, 64)] * 2)
    assert estimate_key(c_major, SR) == ("C", "major")
    assert estimate_key(a_minor, SR) == ("A", "minor")


@pytest.fixture
def tiny_corpus(tmp_path):
    """24 short rendered clips of random plans with captions.jsonl; half held out."""
    return write_tiny_corpus(tmp_path, 24, seed=2, duration_s=1.0,
                             split_of=lambda i: "test" if i % 2 else "train",
                             kind_of=lambda i: "loop" if i % 3 else "one-shot")


def test_evaluate_end_to_end_on_a_tiny_corpus(tiny_corpus, tmp_path):
    from catalog.settings import Settings
    from generator.generate import Generator
    aligner = ProjectionAligner(seed=1, dim=32)
    settings = Settings(home=tmp_path / "home")
    gen = Generator(settings, aligner=aligner, decoder=tiny_decoder(32))
    r = evaluate(settings, n_prompts=10, seed=0, candidates=2, catalogue_dir=tiny_corpus,
                 generator=gen, duration=1.0)
    assert r["prompts"] == 10 and r["generated"] + len(r["parse_errors"]) == 10
    assert r["catalogue_size"] == 25 and r["decoder"] == gen.decoder.id and r["aligner"] == aligner.id
    for key in ("tempo_adherence", "key_mode_adherence", "style_zero_shot", "instrument_zero_shot_top3"):
        assert r[key]["rate"] is None or 0.0 <= r[key]["rate"] <= 1.0
    assert 0.0 <= r["self_retrieval_at_1"] <= 1.0
    assert all(abs(it["duration"] - 1.0) < 1e-3 for it in r["items"] if "error" not in it)
    assert "self-retrieval@1" in format_report(r)
    # the audio embeddings of the catalogue were cached per aligner id
    assert (settings.cache_dir / f"decoder-audio-{aligner.id}.npz").is_file()
    with pytest.raises(Exception, match="held-out clips"):
        evaluate(settings, n_prompts=50, catalogue_dir=tiny_corpus, generator=gen, duration=1.0)
