"""Independent estimators recover the planned tempo and key from renders (small sample; the full
200-clip measurement is bench/eval_analysis.py)."""
from __future__ import annotations

import numpy as np
import pytest

from generator.analysis import estimate_key, estimate_tempo, key_matches, tempo_matches
from generator.engine import make_audio
from generator.plan import Part, Plan

pytest.importorskip("librosa")

CASES = [
    ("rock", 124, "E", "minor", [("bass", "pick_bass"), ("chords", "overdrive_guitar"), ("lead", "rock_organ")], "standard"),
    ("pop", 100, "G", "major", [("bass", "finger_bass"), ("chords", "acoustic_grand_piano"), ("lead", "flute")], "standard"),
    ("house", 124, "A", "minor", [("bass", "synth:analog_bass"), ("chords", "electric_piano")], "machine:909"),
    ("funk", 108, "D", "dorian", [("bass", "slap_bass"), ("chords", "clavinet"), ("lead", "brass_section")], "room"),
    ("hiphop", 90, "C", "minor", [("bass", "synth:sub_bass"), ("chords", "electric_piano")], "machine:808"),
    ("folk", 96, "D", "major", [("chords", "steel_guitar"), ("bass", "acoustic_bass"), ("lead", "fiddle")], "room"),
]


@pytest.mark.slow
def test_tempo_and_key_are_recoverable():
    tempo_hits = key_hits = 0
    for i, (style, bpm, key, mode, parts, drums) in enumerate(CASES):
        plan = Plan(kind="loop", style=style, duration_s=8 * 240.0 / bpm / 2, tempo_bpm=bpm, key=key, mode=mode,
                    instruments=tuple(Part(r, x) for r, x in parts), drums=drums)
        audio, sr = make_audio(plan, seed=i)
        tempo_hits += tempo_matches(estimate_tempo(audio, sr), bpm)
        key_hits += key_matches(estimate_key(audio, sr), key, mode)
    assert tempo_hits >= 5, tempo_hits
    assert key_hits >= 4, key_hits


def test_estimators_on_known_signals():
    sr = 22_050
    t = np.arange(int(sr * 8)) / sr
    clicks = np.zeros_like(t)
    clicks[(np.arange(0, 8, 0.5) * sr).astype(int)] = 1.0  # 120 BPM
    clicks = np.convolve(clicks, np.exp(-np.arange(400) / 40.0))[: len(t)]
    assert tempo_matches(estimate_tempo(clicks, sr), 120)
    # A minor triad arpeggio with tonic weight: A C E.
    freqs = [220.0, 261.63, 329.63, 220.0]
    tone = np.concatenate([np.sin(2 * np.pi * f * t[: sr]) for f in freqs] * 2)
    assert estimate_key(tone, sr) == ("A", "minor")


def _tones(pitches_per_chord, sr=22_050, chord_s=1.0):
    """Chords of harmonic tones (partials 1-4 at 1/k amplitude), one per `chord_s`."""
    t = np.arange(int(sr * chord_s)) / sr
    out = []
    for chord in pitches_per_chord:
        x = np.zeros_like(t)
        for p in chord:
            f = 440.0 * 2 ** ((p - 69) / 12)
            x += sum(np.sin(2 * np.pi * f * k * t) / k for k in range(1, 5))
        out.append(x * np.minimum(1.0, 20 * t) / len(chord))
    return np.concatenate(out).astype(np.float32)


def test_minor_cadence_is_not_taken_for_the_relative_major():
    # E minor: i iv V i with the raised leading tone (D#), bass on the roots.
    prog = [(40, 55, 59, 64), (45, 57, 60, 64), (47, 54, 59, 63), (40, 55, 59, 64)] * 2
    assert estimate_key(_tones(prog), 22_050) == ("E", "minor")


def test_key_profiles_are_named_and_checked():
    from generator.analysis import AnalysisError, key_from_chroma
    c_major = np.array([1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1], dtype=float)
    c_major[0] += 1.0
    for profiles in ("albrecht-shanahan", "kk-harmonic", "krumhansl-kessler"):
        assert key_from_chroma(c_major, profiles) == ("C", "major")
    with pytest.raises(AnalysisError, match="temperley"):
        key_from_chroma(c_major, "temperley")
    assert key_from_chroma(np.zeros(12)) == ("C", "major")  # silence: no crash, a defined answer
