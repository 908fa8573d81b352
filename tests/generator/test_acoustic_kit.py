"""generator.dsp.acoustic_kit: lengths, determinism, per-seed variety, drum spectra, hat lengths, choke."""
from __future__ import annotations

import numpy as np
import pytest

from generator.dsp.acoustic_kit import ACOUSTIC_KITS, AcousticKit, render_acoustic_kit, role_of
from generator.dsp.common import DspError
from generator.theory import DRUM, GM_KITS

SR = 22_050  # half rate keeps the tests fast; the models are rate-agnostic
ALL_NOTES = sorted(set(DRUM.values()) | {27, 30, 35, 37, 40, 43, 59, 68, 73, 77, 80, 99, 20})
HITS = [(0.05 * i, nt, 40 + (37 * i) % 88) for i, nt in enumerate(ALL_NOTES)]


def band_share(x, lo, hi, sr=SR):
    p = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(x.size, 1 / sr)
    return float(p[(f >= lo) & (f < hi)].sum() / (p.sum() + 1e-20))


def ring_time(x, sr=SR, db=-30.0):
    """Seconds until the 5 ms RMS envelope last exceeds `db` below its peak."""
    k = int(0.005 * sr)
    r = np.sqrt(np.convolve(x ** 2, np.ones(k) / k, "same"))
    return np.nonzero(r > r.max() * 10 ** (db / 20))[0][-1] / sr


def test_kits_cover_the_gm_kits():
    assert set(ACOUSTIC_KITS) == set(GM_KITS)


@pytest.mark.parametrize("kit", ACOUSTIC_KITS)
def test_length_finite_nonsilent_deterministic_and_varied(kit):
    dur = 0.05 * len(HITS) + 0.5
    a = render_acoustic_kit(kit, HITS, dur, SR, np.random.default_rng(7))
    b = render_acoustic_kit(kit, HITS, dur, SR, np.random.default_rng(7))
    c = render_acoustic_kit(kit, HITS, dur, SR, np.random.default_rng(8))
    assert a.shape == (round(dur * SR),) and a.dtype == np.float64
    assert np.isfinite(a).all() and np.sqrt(np.mean(a ** 2)) > 1e-4
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.parametrize("kit", ACOUSTIC_KITS)
def test_every_note_gives_a_finite_one_shot(kit):
    k = AcousticKit(kit, SR, np.random.default_rng(1))
    for nt in ALL_NOTES:
        x = k.hit(nt, 100)
        assert x.ndim == 1 and x.size > 0 and np.isfinite(x).all(), (kit, nt, role_of(nt, kit))
        assert np.max(np.abs(x)) > 1e-4, (kit, nt)


def test_repeated_hits_are_not_identical_copies():
    hits = [(0.25 * i, 38, 100) for i in range(8)]
    y = render_acoustic_kit("standard", hits, 2.2, SR, np.random.default_rng(3))
    seg = [y[int(0.25 * i * SR): int(0.25 * i * SR) + 2000] for i in range(1, 7)]
    assert not any(np.allclose(seg[0], s) for s in seg[1:])


@pytest.mark.parametrize("kit", ACOUSTIC_KITS)
@pytest.mark.parametrize("seed", [0, 1])
def test_kick_is_mostly_below_200_hz(kit, seed):
    x = AcousticKit(kit, SR, np.random.default_rng(seed)).hit(36, 110)
    assert band_share(x, 0, 200) > 0.6


@pytest.mark.parametrize("kit", ACOUSTIC_KITS)
@pytest.mark.parametrize("seed", [0, 1])
def test_closed_hat_is_mostly_above_5_khz(kit, seed):
    x = AcousticKit(kit, SR, np.random.default_rng(seed)).hit(42, 100)
    assert band_share(x, 5000, SR) > 0.6


@pytest.mark.parametrize("kit", ACOUSTIC_KITS)
def test_open_hat_rings_longer_than_closed_hat(kit):
    closed, opened = 42, 46
    for seed in range(2):
        c = render_acoustic_kit(kit, [(0.0, closed, 100)], 2.5, SR, np.random.default_rng(seed))
        o = render_acoustic_kit(kit, [(0.0, opened, 100)], 2.5, SR, np.random.default_rng(seed))
        assert ring_time(o) > 1.2 * ring_time(c)


@pytest.mark.parametrize("kit", ACOUSTIC_KITS)
@pytest.mark.parametrize("seed", [0, 1])
def test_snare_has_body_and_wires(kit, seed):
    x = AcousticKit(kit, SR, np.random.default_rng(seed)).hit(38, 100)
    assert band_share(x, 0, 400) > 0.05
    assert band_share(x, 3000, SR) > 0.05


@pytest.mark.parametrize("kit", ACOUSTIC_KITS)
@pytest.mark.parametrize("dry", [True, False])
def test_open_hat_is_choked_by_closed_hat(kit, dry, monkeypatch):
    if dry:  # the direct sound only: a concert-hall room keeps ringing after the choke, as it should
        monkeypatch.setattr(AcousticKit, "_room_ir", lambda self: None)
    elif kit in ("orchestra", "room", "power"):
        pytest.skip("hall/room tail dominates the window")
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    free = render_acoustic_kit(kit, [(0.0, 46, 110), (0.15, 36, 1)], 1.5, SR, rng_a)  # same draws, no choke
    choked = render_acoustic_kit(kit, [(0.0, 46, 110), (0.15, 44, 1)], 1.5, SR, rng_b)
    win = slice(int(0.3 * SR), int(0.6 * SR))
    hp = lambda x: x - np.convolve(x, np.ones(8) / 8, "same")  # noqa: E731  (hat band only)
    assert np.sum(hp(choked[win]) ** 2) < (0.05 if dry else 0.3) * np.sum(hp(free[win]) ** 2)


def test_toms_follow_the_gm_note_order():
    k = AcousticKit("standard", SR, np.random.default_rng(2))
    peaks = []
    for nt in (41, 45, 48, 50):
        x = k._one_shot(nt, 0.7)[: int(0.3 * SR)]
        spec = np.abs(np.fft.rfft(x * np.hanning(x.size)))
        f = np.fft.rfftfreq(x.size, 1 / SR)
        band = (f > 50) & (f < 300)
        peaks.append(f[band][np.argmax(spec[band])])
    assert peaks == sorted(peaks), peaks


def test_orchestra_timpani_pitch_follows_the_note():
    k = AcousticKit("orchestra", SR, np.random.default_rng(4))
    assert role_of(45, "orchestra") == "timpani" and role_of(45, "standard") == "tom"
    assert role_of(27, "orchestra") == "hat_closed" and role_of(42, "orchestra") == "hat_closed"
    for nt in (41, 45, 50):
        x = k._one_shot(nt, 0.7)[int(0.1 * SR): int(1.1 * SR)]
        spec = np.abs(np.fft.rfft(x * np.hanning(x.size)))
        f = np.fft.rfftfreq(x.size, 1 / SR)
        expect = 440 * 2 ** ((nt - 69) / 12)
        band = (f > expect * 0.8) & (f < expect * 1.2)
        assert abs(f[band][np.argmax(spec[band])] / expect - 1) < 0.03


def test_bad_requests_and_edge_cases():
    with pytest.raises(DspError):
        render_acoustic_kit("marching", [(0.0, 36, 100)], 1.0, SR, np.random.default_rng(0))
    with pytest.raises(DspError):
        render_acoustic_kit("standard", [(0.0, 36)], 1.0, SR, np.random.default_rng(0))
    assert render_acoustic_kit("standard", [], 0.5, SR, np.random.default_rng(0)).shape == (round(0.5 * SR),)
    assert render_acoustic_kit("standard", [(0.0, 36, 100)], 0.0, SR, np.random.default_rng(0)).shape == (0,)
    y = render_acoustic_kit("jazz", [(-0.1, 51, 100), (5.0, 38, 100), (0.2, 38, 0), (0.3, 38, 200)], 1.0, SR,
                            np.random.default_rng(0))
    assert y.shape == (SR,) and np.isfinite(y).all()
