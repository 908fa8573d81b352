"""generator.dsp: lengths, finiteness, determinism, pitch, drum spectra, sfx, degradations, errors."""
from __future__ import annotations

import numpy as np
import pytest
from f0_estimate import f0_autocorr

from generator import dsp
from generator.dsp import DspError

SR = 22_050  # half rate keeps the suite fast; the DSP is rate-agnostic
NOTES = [(0.0, 0.3, 40, 100), (0.35, 0.3, 47, 70), (0.7, 0.5, 60, 120), (0.7, 0.5, 64, 90)]
HITS = [(0.0, 36, 120), (0.25, 42, 80), (0.5, 38, 100), (0.5, 46, 90), (0.75, 42, 60), (0.8, 49, 100),
        (0.9, 45, 90), (0.95, 39, 100), (1.0, 56, 90), (1.05, 75, 80), (1.1, 70, 70), (1.15, 51, 80),
        (1.2, 37, 90), (1.25, 99, 90), (1.3, 20, 90)]


def rms(x):
    return float(np.sqrt(np.mean(np.asarray(x, dtype=np.float64) ** 2)))


def centroid(x, sr):
    mag = np.abs(np.fft.rfft(x))
    f = np.fft.rfftfreq(x.size, 1 / sr)
    return float((f * mag).sum() / (mag.sum() + 1e-12))


def test_registries_cover_the_contract():
    need_voices = {"acid_bass", "analog_bass", "sub_bass", "808_bass", "reese_bass", "saw_lead", "square_lead",
                   "sync_lead", "saw_pad", "string_pad", "warm_pad", "evolving_pad", "pluck", "stab", "brass_synth",
                   "fm_bell", "fm_epiano", "fm_bass", "chip_pulse", "chip_pulse_bass", "chip_triangle", "chip_arp",
                   "organ_synth", "vocal_aah"}
    assert need_voices <= set(dsp.SYNTH_VOICES)
    assert {"808", "909", "606", "chip", "lofi"} <= set(dsp.DRUM_MACHINES)
    assert {"impact", "explosion", "gunshot", "water_splash", "crowd", "coin", "laser"} <= set(dsp.SFX_KINDS)
    assert dsp.SYNTH_VOICES["acid_bass"] == "bass" and dsp.SYNTH_VOICES["vocal_aah"] == "choir"
    for table, keys in ((dsp.VOICE_INFO, dsp.SYNTH_VOICES), (dsp.SFX_INFO, dsp.SFX_KINDS)):
        assert set(table) == set(keys)
        assert all(len(v) >= 2 and all(isinstance(s, str) and s for s in v) for v in table.values())


@pytest.mark.parametrize("voice", sorted(dsp.SYNTH_VOICES))
def test_voice_length_finite_nonsilent(voice):
    y = dsp.render_voice(voice, NOTES, 1.3, SR, np.random.default_rng(3))
    assert y.dtype == np.float32 and y.shape == (round(1.3 * SR),)
    assert np.isfinite(y).all() and np.max(np.abs(y)) <= 1.0
    assert rms(y) > 0.01


@pytest.mark.parametrize("voice,pitch", [("analog_bass", 45), ("sub_bass", 40), ("saw_lead", 69),
                                         ("square_lead", 64), ("chip_pulse", 72), ("chip_triangle", 45),
                                         ("organ_synth", 60), ("string_pad", 57), ("fm_epiano", 62),
                                         ("acid_bass", 41), ("vocal_aah", 55), ("brass_synth", 58)])
def test_sustained_note_has_the_planned_pitch(voice, pitch):
    y = dsp.render_voice(voice, [(0.0, 1.0, pitch, 100)], 1.0, SR, np.random.default_rng(pitch))
    seg = y[int(0.3 * SR): int(0.8 * SR)].astype(np.float64)
    expect = 440.0 * 2 ** ((pitch - 69) / 12)
    got = f0_autocorr(seg, SR, expect)
    assert abs(12 * np.log2(got / expect)) < 0.3, (voice, expect, got)


@pytest.mark.parametrize("machine", sorted(dsp.DRUM_MACHINES))
def test_drum_machine_length_and_unknown_notes(machine):
    y = dsp.render_drum_machine(machine, HITS, 1.5, SR, np.random.default_rng(1))
    assert y.dtype == np.float32 and y.shape == (round(1.5 * SR),)
    assert np.isfinite(y).all() and rms(y) > 0.005


@pytest.mark.parametrize("machine", ["808", "909", "606", "acoustic"])
def test_kick_is_low_and_hats_are_bright(machine):
    sr = 44_100
    kick = dsp.render_drum_machine(machine, [(0.0, 36, 110)], 0.6, sr, np.random.default_rng(5)).astype(np.float64)
    spec = np.abs(np.fft.rfft(kick)) ** 2
    f = np.fft.rfftfreq(kick.size, 1 / sr)
    assert spec[f < 150].sum() / spec.sum() > 0.5
    hat = dsp.render_drum_machine(machine, [(0.0, 42, 110)], 0.2, sr, np.random.default_rng(5)).astype(np.float64)
    assert centroid(hat, sr) > 5000


def test_open_hat_is_choked_by_closed_hat():
    rng_seed = 11
    open_only = dsp.render_drum_machine("808", [(0.0, 46, 100)], 1.0, SR, np.random.default_rng(rng_seed))
    choked = dsp.render_drum_machine("808", [(0.0, 46, 100), (0.1, 42, 1)], 1.0, SR, np.random.default_rng(rng_seed))
    tail = slice(int(0.2 * SR), int(0.4 * SR))
    assert rms(choked[tail]) < 0.2 * rms(open_only[tail])


@pytest.mark.parametrize("kind", sorted(dsp.SFX_KINDS))
def test_sfx_length_finite_nonsilent(kind):
    for dur in (0.4, 2.5):
        y = dsp.render_sfx(kind, dur, SR, np.random.default_rng(7))
        assert y.dtype == np.float32 and y.shape == (round(dur * SR),)
        assert np.isfinite(y).all() and rms(y) > 1e-3, (kind, dur)


def test_determinism_and_variety():
    def all_outputs(seed):
        rng = np.random.default_rng(seed)
        return [dsp.render_voice("acid_bass", NOTES, 1.0, SR, rng), dsp.render_voice("string_pad", NOTES, 1.0, SR, rng),
                dsp.render_drum_machine("909", HITS, 1.5, SR, rng), dsp.render_sfx("explosion", 1.0, SR, rng),
                dsp.render_sfx("rain", 1.0, SR, rng),
                dsp.degrade(np.stack([dsp.render_sfx("wind", 1.0, SR, rng)] * 2, 1), SR, rng, 1.0)[0]]

    a, b, c = all_outputs(5), all_outputs(5), all_outputs(6)
    for x, y, z in zip(a, b, c):
        assert x.tobytes() == y.tobytes()
        assert x.shape == z.shape and x.tobytes() != z.tobytes()


def test_degrade_keeps_shape_and_is_safe():
    rng = np.random.default_rng(0)
    t = np.arange(SR) / SR
    audio = np.stack([np.sin(2 * np.pi * 220 * t), np.sin(2 * np.pi * 330 * t)], 1).astype(np.float32) * 0.9
    seen = set()
    for _ in range(15):
        y, names = dsp.degrade(audio, SR, rng, strength=1.5)
        assert y.shape == audio.shape and y.dtype == np.float32
        assert np.isfinite(y).all() and np.max(np.abs(y)) <= 0.99 + 1e-6
        assert set(names) <= set(dsp.DEGRADATIONS)
        seen.update(names)
    assert len(seen) >= 10  # the random subsets really vary
    same, names = dsp.degrade(audio, SR, rng, strength=0.0)
    assert names == [] and np.array_equal(same, audio)
    loud = audio * 50
    y, _ = dsp.degrade(loud, SR, rng)
    assert np.max(np.abs(y)) <= 0.99 + 1e-6


def test_bad_requests_name_the_allowed_values():
    with pytest.raises(DspError, match="saw_lead"):
        dsp.render_voice("kazoo", NOTES, 1.0, SR, np.random.default_rng(0))
    with pytest.raises(DspError, match="909"):
        dsp.render_drum_machine("linndrum-x", HITS, 1.0, SR, np.random.default_rng(0))
    with pytest.raises(DspError, match="explosion"):
        dsp.render_sfx("fart", 1.0, SR, np.random.default_rng(0))
    with pytest.raises(DspError, match="stereo"):
        dsp.degrade(np.zeros(100, dtype=np.float32), SR, np.random.default_rng(0))
    with pytest.raises(DspError, match="midi_pitch"):
        dsp.render_voice("saw_lead", [(0.0, 1.0, 200, 100)], 1.0, SR, np.random.default_rng(0))
    with pytest.raises(DspError, match="duration"):
        dsp.render_sfx("coin", -1.0, SR, np.random.default_rng(0))


def test_edge_cases_zero_length_and_out_of_range_notes():
    rng = np.random.default_rng(0)
    assert dsp.render_voice("pluck", NOTES, 0.0, SR, rng).shape == (0,)
    assert dsp.render_sfx("coin", 0.0, SR, rng).shape == (0,)
    y = dsp.render_voice("saw_lead", [(-0.2, 0.5, 60, 100), (5.0, 1.0, 60, 100)], 0.5, SR, rng)
    assert y.shape == (round(0.5 * SR),) and rms(y[: SR // 10]) > 0.01
    assert not np.any(dsp.render_voice("saw_lead", [], 0.5, SR, rng))
    one = dsp.render_sfx("ui_beep", 0.01, SR, rng)
    assert one.shape == (round(0.01 * SR),) and np.isfinite(one).all()


@pytest.mark.parametrize("sr", [16_000, 48_000])
def test_other_rates_and_tiny_inputs(sr):
    rng = np.random.default_rng(2)
    for voice in ("acid_bass", "string_pad", "chip_arp", "vocal_aah"):
        y = dsp.render_voice(voice, [(0.0, 0.001, 0, 127), (0.05, 0.2, 127, 1)], 0.3, sr, rng)
        assert y.shape == (round(0.3 * sr),) and np.isfinite(y).all()
    for kind in ("engine", "riser", "crowd"):
        y = dsp.render_sfx(kind, 0.05, sr, rng)
        assert y.shape == (round(0.05 * sr),) and np.isfinite(y).all()
    for n in (1, 30, 2000):
        a = rng.standard_normal((n, 2)).astype(np.float32)
        for _ in range(4):
            z, _ = dsp.degrade(a, sr, rng, strength=3.0)
            assert z.shape == a.shape and np.isfinite(z).all()
