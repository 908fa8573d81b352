"""Spoken-voice sound effects (generator.dsp.sfx_voice, eSpeak NG in-process)."""
from __future__ import annotations

import numpy as np

from generator import dsp

SR = 44_100


def test_speech_is_deterministic_and_varies_by_seed():
    a = dsp.render_sfx("speech", 3.0, SR, np.random.default_rng(5))
    b = dsp.render_sfx("speech", 3.0, SR, np.random.default_rng(5))
    c = dsp.render_sfx("speech", 3.0, SR, np.random.default_rng(6))
    assert a.shape == (3 * SR,) and np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_speech_sounds_like_speech():
    """Syllables: the loudness envelope is modulated at a few Hz, with pauses between phrases;
    the energy sits in the voice band."""
    y = dsp.render_sfx("speech", 8.0, SR, np.random.default_rng(2)).astype(np.float64)
    hop = SR // 100
    env = np.sqrt(np.mean(y[: len(y) // hop * hop].reshape(-1, hop) ** 2, axis=1))  # 100 frames/s
    assert np.mean(env < 0.05 * env.max()) > 0.1  # pauses
    spec = np.abs(np.fft.rfft(env - env.mean())) ** 2
    freqs = np.fft.rfftfreq(len(env), 1 / 100)
    # syllables: loudness modulated at 2-10 Hz far more than at 12-30 Hz (steady noise: ~0.4)
    assert spec[(freqs > 2) & (freqs < 10)].sum() > 3 * spec[(freqs > 12) & (freqs < 30)].sum()
    power = np.abs(np.fft.rfft(y)) ** 2
    f = np.fft.rfftfreq(len(y), 1 / SR)
    assert power[(f > 80) & (f < 4000)].sum() > 0.8 * power.sum()


def test_speech_one_shots_are_captioned_as_speech():
    from generator.captions import captions
    from generator.plan import Part, Plan
    plan = Plan(kind="one-shot", style=None, duration_s=3.0, oneshot="sfx:speech",
                instruments=(Part("fx", "sfx:speech"),))
    caps = captions(plan, np.random.default_rng(0), 8)
    words = {w for desc in dsp.SFX_INFO["speech"] for w in desc.split()}
    assert all(any(w in c for w in words) for c in caps), caps
