"""Acoustic struck and plucked instruments by modal synthesis (a second timbre for GM slugs).

Pianos, Rhodes-style electric piano, clavinet, harpsichord, the GM mallets and the plucked strings.
Every note is a sum of exponentially decaying partials (frequency, amplitude, decay rate, phase):
stiff-string partials f_k = k f0 sqrt(1 + B k^2) for strings, measured mode ratios for bars, tines,
tubes and pans. `_modal` renders such a bank as one small real matrix product per note (block
powers of each partial's complex pole), which is exact and costs a few ns per partial and sample,
so hundreds of partials per note stay cheap without a per-sample Python loop.

Everything the ear uses to tell these instruments apart is modelled per note: hammer/pluck/mallet
spectrum (pluck or strike position comb, contact-time low-pass that opens with velocity), detuned
unison strings and string polarisations (beating, two-stage decay), frequency-dependent damping
(high partials die first, high notes die first), onset noises (hammer thump, pick, thumb, mallet
click, mechanism tick), release noises (damper, jack, mute) and time-varying effects (jawari buzz,
fretless "mwah", bends, tremolo). Body, soundboard, pickup, amp/cabinet and microphone colour are
static filters on the mixed part. All of it is drawn from `rng` per call.

Interface: MODELS[slug](notes, n, sr, rng) -> float64 (n,), any level; notes are
(start_s, dur_s, midi_pitch, velocity 1-127). Partials are kept below 9 kHz: the consumer of this
corpus sees a 16 kHz-sampled mel spectrogram.
"""

from __future__ import annotations

from functools import lru_cache, partial

import numpy as np
from scipy.signal import butter, sosfilt

from . import filters as F
from .common import place, render_poly
from .envelopes import lfo

_FMAX = 9000.0          # no partials above this (the corpus is analysed at 16 kHz)
_LN1000 = 6.907755      # T60 -> decay rate: d = _LN1000 / T60
_SWELL_R = 4.0          # rise/fall rate ratio of a swell term pair (jawari, mwah, pan bloom)
_SWELL_PEAK = _SWELL_R ** (-1.0 / (_SWELL_R - 1.0)) * (1.0 - 1.0 / _SWELL_R)


# ----------------------------------------------------------------------------------------------
# engine

def _modal_block(f, a, d, ph, L, sr, M=256):
    """sum_k a_k exp(-d_k t) cos(2 pi f_k t + ph_k) for t = 0..L-1 samples, as one matmul.

    Sample j*M + m of partial k is Re(a z^(jM) z^m): a (J, 2K) block-start matrix times a (2K, M)
    within-block matrix gives all L samples at once.
    """
    M = max(1, min(M, L))
    J = -(-L // M)
    w = 2.0 * np.pi * f / sr
    r = -d / sr
    m = np.arange(M, dtype=np.float64)
    em = np.exp(np.outer(r, m))
    wm = np.outer(w, m)
    Q = np.vstack([em * np.cos(wm), em * np.sin(wm)])
    jM = np.arange(J, dtype=np.float64) * M
    E = np.outer(jM, r)
    mag = np.where(E > -60.0, np.exp(np.maximum(E, -60.0)), 0.0) * a  # no denormals in the matmul
    th = np.outer(jM, w) + ph
    P = np.hstack([mag * np.cos(th), -mag * np.sin(th)])
    return (P @ Q).ravel()[:L]


def _modal(f, a, d, L, sr, ph=None):
    """Bank of decaying partials, shape (L,). f Hz, a amplitude, d decay rate (1/s), ph phase (rad).

    Partials at or above 0.45*sr are dropped. Each partial is only computed until it has decayed
    by 80 dB: terms are grouped by lifetime so short-lived attack partials cost little.
    """
    out = np.zeros(max(int(L), 0))
    f = np.atleast_1d(np.asarray(f, dtype=np.float64))
    a = np.broadcast_to(np.asarray(a, dtype=np.float64), f.shape)
    d = np.maximum(np.broadcast_to(np.asarray(d, dtype=np.float64), f.shape), 0.0)
    ph = np.zeros(f.shape) if ph is None else np.broadcast_to(np.asarray(ph, dtype=np.float64), f.shape)
    ok = (f > 0) & (f < 0.45 * sr) & (a != 0)
    if L <= 0 or not ok.any():
        return out
    f, a, d, ph = f[ok], a[ok], d[ok], ph[ok]
    life = np.minimum(L, np.ceil(9.2 / np.maximum(d, 1e-6) * sr)).astype(np.int64)
    order = np.argsort(life, kind="stable")
    ls = life[order]
    start = 0
    for edge in (L // 10, L // 3, L):
        stop = int(np.searchsorted(ls, edge, side="right"))
        if stop > start:
            g = order[start:stop]
            Lg = int(ls[stop - 1])
            out[:Lg] += _modal_block(f[g], a[g], d[g], ph[g], Lg, sr)
            start = stop
    return out


def _swell(f, a, t_peak, ph=None):
    """Term pairs whose amplitude rises from 0 to a at t_peak then decays: a*(e^-xt - e^-4xt)/peak."""
    f, a, t_peak = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (f, a, t_peak)))
    x = np.log(_SWELL_R) / ((_SWELL_R - 1.0) * np.maximum(t_peak, 1e-3))
    c = a / _SWELL_PEAK
    ph = np.zeros(f.shape) if ph is None else np.broadcast_to(ph, f.shape)
    return (np.concatenate([f, f]), np.concatenate([c, -c]), np.concatenate([x, _SWELL_R * x]),
            np.concatenate([ph, ph]))


def _disperse(rng, f, spread_s, base=0.0):
    """Onset phases: partials start within spread_s of each other (string dispersion, bridge and
    body delays) instead of in one coherent spike. Inaudible on a mel frame, but it keeps the crest
    factor, and so the level after peak normalisation, realistic."""
    return base - 2.0 * np.pi * np.asarray(f) * rng.uniform(0.0, spread_s, np.shape(f))


def _u(rng, lo_hi):
    lo, hi = lo_hi
    return float(rng.uniform(lo, hi))


def _midi(f):
    return 69.0 + 12.0 * np.log2(f / 440.0)


def _lp4(f, fc):
    """Magnitude of a 4th-order-ish contact low-pass at frequency f (hammer, pick, mallet)."""
    return 1.0 / np.sqrt(1.0 + (np.asarray(f) / fc) ** 4)


@lru_cache(maxsize=512)
def _band_sos(sr, lo, hi, order):
    hi = min(hi, 0.45 * sr)
    lo = min(lo, 0.4 * hi)
    if lo > 20:
        return butter(order, (lo, max(hi, lo * 1.05)), btype="bandpass", fs=sr, output="sos")
    return butter(order, hi, btype="lowpass", fs=sr, output="sos")


def _burst(L, sr, rng, dur_s, lo, hi, order=2):
    """Exponentially decaying band-passed noise, length L (time constant dur_s)."""
    out = np.zeros(max(L, 0))
    k = min(L, max(8, int(6 * dur_s * sr)))
    if L <= 0:
        return out
    t = np.arange(k) / sr
    x = rng.standard_normal(k) * np.exp(-t / dur_s)
    out[:k] = sosfilt(_band_sos(int(sr), round(float(lo), 1), round(float(hi), 1), order), x)
    return out


def _knock(L, sr, f, dur_s, phase=0.0):
    """A damped sine (body or soundboard knock), length L."""
    k = min(L, int(8 * dur_s * sr) + 1)
    out = np.zeros(L)
    t = np.arange(k) / sr
    out[:k] = np.sin(2 * np.pi * f * t + phase) * np.exp(-t / dur_s) * np.minimum(1.0, t * sr / 8.0)
    return out


def _eq(y, sr, peaks):
    """Cascade of RBJ peaking filters: peaks = [(fc, q, gain_db), ...]."""
    for fc, q, g in peaks:
        if fc < 0.45 * sr and abs(g) > 0.05:
            y = F.biquad(y, sr, "peak", fc, q, g)
    return y


def _rand_peaks(rng, count, f_lo, f_hi, q=(0.8, 3.0), g=(-5.0, 5.0)):
    return [(float(np.exp(rng.uniform(np.log(f_lo), np.log(f_hi)))), _u(rng, q), _u(rng, g))
            for _ in range(count)]


def _mic(y, sr, rng, tilt=(-0.35, 0.35), room=(0.0, 0.25)):
    """Microphone/position colour: spectral tilt, a short reflection comb, rumble high-pass."""
    lp = F.one_pole_lp(y, sr, _u(rng, (800.0, 3500.0)))
    y = lp + (1.0 + _u(rng, tilt)) * (y - lp)
    g = _u(rng, room)
    dl = int(_u(rng, (0.003, 0.025)) * sr)
    if g > 0.01 and 0 < dl < y.size:
        y = y.copy()
        y[dl:] += g * y[:-dl]
    return F.highpass(y, sr, _u(rng, (25.0, 45.0)), 1)


def _bend(x, cents):
    """Read x at a varying rate 2^(cents/1200) (pitch bend / slide), output len(cents)."""
    rate = 2.0 ** (np.asarray(cents) / 1200.0)
    pos = np.cumsum(rate) - rate[0]
    return np.interp(pos, np.arange(x.size), x, right=0.0)


def _note_offs(notes, n, sr, fn):
    """Add fn(velocity01) (a short array) at every note-off inside the clip."""
    out = np.zeros(n)
    for start, dur, _pitch, vel in notes:
        s = int(round((start + max(dur, 0.0)) * sr))
        if 0 <= s < n:
            place(out, s, fn(float(np.clip(vel, 1, 127)) / 127.0))
    return out


def _norm(a):
    return a / (np.sqrt(np.sum(a * a)) + 1e-12)


# ----------------------------------------------------------------------------------------------
# pianos

def _piano(notes, n, sr, rng, kind="grand"):
    """Stiff-string additive piano: 1-3 detuned strings per key, prompt + aftersound decay,
    hammer contact low-pass opening with velocity, strike-point comb, thump, damper release."""
    honky, bright = kind == "honky", kind == "bright"
    det = _u(rng, (7.0, 18.0)) if honky else _u(rng, (0.3, 1.6))   # unison spread, cents
    bscale = _u(rng, (0.7, 1.5)) * (1.3 if honky else 1.0)
    hard = _u(rng, (0.35, 0.8)) + (0.35 if bright else 0.0)
    strike = _u(rng, (1 / 9.5, 1 / 7.0))
    t60s = _u(rng, (0.6, 1.3)) * (0.55 if honky else 1.0)
    after = _u(rng, (0.1, 0.32))            # aftersound level relative to the prompt sound
    prompt_ratio = _u(rng, (4.0, 10.0))     # prompt decays this much faster than the aftersound
    hf_t60 = _u(rng, (0.8, 2.5))            # extra damping of partials around 3 kHz
    thump = _u(rng, (0.25, 1.0))
    board = _u(rng, (60.0, 140.0))
    pedal = rng.random() < 0.2
    rel = _u(rng, (0.5, 1.4)) if pedal else _u(rng, (0.08, 0.3))

    def note(f, dur, v, L):
        m = _midi(f)
        B = bscale * 1.1e-4 * (1.0 + 2.5 * np.clip((45.0 - m) / 24.0, 0, 1)) * 2.0 ** (max(m - 60.0, 0) / 12.0)
        ns = 1 if m < 31 else 2 if m < 43 else 3
        fc = (700.0 + 4200.0 * hard * v ** 1.3) * 2.0 ** ((m - 60.0) / 30.0)
        kmax = int(max(1, min(_FMAX / f, 140)))
        k = np.arange(1, kmax + 1, dtype=np.float64)
        fk = f * k * np.sqrt(1 + B * k * k) / np.sqrt(1 + B)
        tilt = 0.45 + 0.8 * (1.0 - v)  # soft blows: steeper spectral slope as well as a lower cut-off
        amp = (0.12 + np.abs(np.sin(np.pi * k * strike * rng.uniform(0.95, 1.05)))) / k ** tilt * _lp4(fk, fc)
        keep = ((fk < _FMAX) & (amp > 2e-4 * amp.max())) | (k == 1)
        fk, amp = fk[keep], _norm(amp[keep])
        t60 = float(np.clip(t60s * 20.0 * 2.0 ** (-(m - 36.0) / 15.0), 0.8, 30.0))
        d = _LN1000 / t60 * (1.0 + fk / 2500.0) + _LN1000 / hf_t60 * (fk / 3000.0) ** 2
        if ns == 1:
            cents = np.zeros(1)
        elif ns == 2:
            cents = np.array([-0.5, 0.5]) * det * rng.uniform(0.6, 1.2, 2)
        else:
            cents = np.array([-1.0, 0.0, 1.0]) * det * rng.uniform(0.5, 1.1, 3)
        cents -= cents.mean() * 0.8
        F_ = np.concatenate([fk * 2 ** (c / 1200.0) for c in cents])
        A_ = np.tile(amp, ns) / ns
        D_ = np.tile(d, ns) * np.repeat(rng.uniform(0.85, 1.15, ns), fk.size)
        ph = _disperse(rng, F_, 0.003 * (1.0 + np.clip((60.0 - m) / 24.0, 0, 1)), -np.pi / 2)  # sine onset
        x = _modal(F_, A_, D_, L, sr, ph)
        t = np.arange(L) / sr
        x *= after + (1.0 - after) * np.exp(-t * _LN1000 * prompt_ratio / t60)
        # hammer thump: soundboard knock plus felt/noise, stronger when hit hard
        x += thump * v ** 1.5 * (0.35 * _knock(L, sr, board * rng.uniform(0.9, 1.1), 0.012)
                                 + 0.5 * _burst(L, sr, rng, 0.004, 40.0, 600.0 + 2500.0 * v * hard))
        return x * (0.25 + 0.75 * v)

    y = render_poly(notes, n, sr, rel * 1.2, note, cache_release=rel, vel_levels=4, max_len_s=6.0)
    peaks = _rand_peaks(rng, 3, 90.0, 3000.0, g=(-4.5, 4.5))
    if bright:
        peaks.append((_u(rng, (2500.0, 4500.0)), 0.6, _u(rng, (4.0, 8.0))))
    if honky:
        peaks += [(_u(rng, (1000.0, 2500.0)), 1.2, _u(rng, (3.0, 7.0))), (_u(rng, (80.0, 160.0)), 0.7, -5.0)]
    return _mic(_eq(y, sr, peaks), sr, rng)


# ----------------------------------------------------------------------------------------------
# electric keys

def _epiano(notes, n, sr, rng):
    """Rhodes-like tine: sine fundamental, fast tine 'bell' partials, pickup nonlinearity that barks
    with velocity, felt damper, optional tremolo/auto-pan amplitude modulation."""
    bell = _u(rng, (0.15, 0.7))
    bark = _u(rng, (0.6, 3.0))
    sym = _u(rng, (0.05, 0.5))               # pickup offset: even-harmonic content
    r2, r3 = _u(rng, (5.6, 7.2)), _u(rng, (14.0, 18.5))
    t60s = _u(rng, (0.6, 1.4))
    rel = _u(rng, (0.05, 0.16))
    trem = _u(rng, (0.15, 0.6)) if rng.random() < 0.5 else 0.0
    trate = _u(rng, (3.0, 6.5))

    def note(f, dur, v, L):
        m = _midi(f)
        t60 = t60s * 9.0 * 2.0 ** (-(m - 48.0) / 20.0)
        fr = np.array([1.0, 2.0, r2 * rng.uniform(0.97, 1.03), r3 * rng.uniform(0.97, 1.03), 3.0])
        am = np.array([1.0, 0.05, bell * (0.3 + 0.7 * v), 0.4 * bell * v, 0.02])
        tt = np.array([t60, 0.5 * t60, _u(rng, (0.12, 0.5)), _u(rng, (0.04, 0.12)), 0.3 * t60])
        x = _modal(f * fr, am, _LN1000 / tt, L, sr, -np.pi / 2 + np.zeros(5))
        g = 0.25 + bark * v ** 2
        x = (np.tanh(g * (x + sym)) - np.tanh(g * sym)) / g
        x += 0.15 * v * _burst(L, sr, rng, 0.003, 30.0, 1200.0)  # neoprene hammer thud
        return x * (0.2 + 0.8 * v)

    y = render_poly(notes, n, sr, rel * 1.2, note, cache_release=rel, vel_levels=4, max_len_s=6.0)
    if trem:
        y *= 1.0 - trem * 0.5 * (1.0 + lfo(n, sr, trate, rng.random()))
    y = _eq(y, sr, [(_u(rng, (150.0, 350.0)), 0.8, _u(rng, (0.0, 4.0)))] + _rand_peaks(rng, 2, 400.0, 3000.0))
    y = F.lowpass(y, sr, _u(rng, (4500.0, 8000.0)), 2)
    return _mic(y, sr, rng, room=(0.0, 0.1))


def _clavinet(notes, n, sr, rng):
    """Tangent-struck string read by two pickups (comb filter), short decay, yarn mute at note-off."""
    q1, q2 = _u(rng, (0.03, 0.08)), _u(rng, (0.12, 0.25))
    mode = int(rng.integers(4))
    fc = _u(rng, (3000.0, 7000.0))
    t60s = _u(rng, (0.5, 1.4))
    hf = _u(rng, (0.25, 0.7))
    rel = _u(rng, (0.02, 0.06))
    B = _u(rng, (2e-5, 1.5e-4))

    def note(f, dur, v, L):
        m = _midi(f)
        kmax = int(max(1, min(_FMAX / f, 120)))
        k = np.arange(1, kmax + 1, dtype=np.float64)
        fk = f * k * np.sqrt(1 + B * k * k) / np.sqrt(1 + B)
        a1, a2 = np.sin(np.pi * k * q1), np.sin(np.pi * k * q2)
        pick = [a1 * 2.5, a2, a1 * 2.5 + a2, a1 * 2.5 - a2][mode]
        amp = pick / k ** 0.35 * _lp4(fk, fc * (0.45 + 0.7 * v))
        keep = (fk < _FMAX) | (k == 1)
        fk, amp = fk[keep], _norm(amp[keep])
        t60 = t60s * 4.0 * 2.0 ** (-(m - 48.0) / 18.0)
        d = _LN1000 / t60 + _LN1000 / hf * (fk / 2000.0) ** 2
        x = _modal(np.concatenate([fk, fk * 1.0006]), np.concatenate([amp * 0.8, amp * 0.2]),
                   np.concatenate([d, d * 0.6]), L, sr, _disperse(rng, np.concatenate([fk, fk]), 0.002))
        x += 0.08 * v * _burst(L, sr, rng, 0.0015, 1500.0, 7000.0)
        return x * (0.25 + 0.75 * v)

    y = render_poly(notes, n, sr, 0.1, note, cache_release=rel, vel_levels=4, max_len_s=4.0)
    thunk = _note_offs(notes, n, sr, lambda v: 0.05 * _burst(int(0.03 * sr), sr, rng, 0.004, 80.0, 1500.0))
    y = y + thunk * (np.max(np.abs(y)) + 1e-9)
    peaks = [(_u(rng, (700.0, 2200.0)), _u(rng, (1.5, 4.0)), _u(rng, (0.0, 8.0)))] + _rand_peaks(rng, 1, 150.0, 600.0)
    y = F.saturate(_eq(y, sr, peaks) / (np.max(np.abs(y)) + 1e-9), _u(rng, (0.0, 1.5)))
    return _mic(F.highpass(y, sr, _u(rng, (60.0, 140.0))), sr, rng, room=(0.0, 0.1))


def _harpsichord(notes, n, sr, rng):
    """Quill-plucked bright string, one or two choirs (8'+8' or 8'+4'), no velocity dynamics,
    plectrum click at onset, damper and jack-return noise at note-off."""
    p = _u(rng, (0.07, 0.14))
    choir = int(rng.integers(3))
    det = _u(rng, (1.0, 5.0))
    fc = _u(rng, (4500.0, 9000.0))
    t60s = _u(rng, (0.6, 1.3))
    hf = _u(rng, (0.6, 1.6))
    rel = _u(rng, (0.05, 0.12))
    click = _u(rng, (0.05, 0.2))

    def string(f, L, pp, level):
        m = _midi(f)
        kmax = int(max(1, min(_FMAX / f, 140)))
        k = np.arange(1, kmax + 1, dtype=np.float64)
        fk = f * k * np.sqrt(1 + 4e-5 * k * k)
        amp = np.sin(np.pi * k * pp) / k ** 0.85 * _lp4(fk, fc)
        keep = (fk < _FMAX) | (k == 1)
        fk, amp = fk[keep], _norm(amp[keep]) * level
        t60 = t60s * 10.0 * 2.0 ** (-(m - 48.0) / 16.0)
        d = _LN1000 / t60 * (1 + fk / 3000.0) + _LN1000 / hf * (fk / 3000.0) ** 2
        return fk, amp, d

    def note(f, dur, v, L):
        parts = [string(f, L, p * rng.uniform(0.95, 1.05), 1.0)]
        if choir == 1:
            parts.append(string(f * 2 ** (det / 1200), L, p * rng.uniform(1.2, 1.5), 0.8))
        elif choir == 2 and 2 * f < 0.4 * sr:
            parts.append(string(2 * f * 2 ** (det / 3000), L, p * rng.uniform(1.3, 1.8), 0.5))
        fk, amp, d = (np.concatenate(z) for z in zip(*parts))
        x = _modal(fk, amp, d, L, sr, _disperse(rng, fk, 0.002))
        x += click * _burst(L, sr, rng, 0.0015, 2000.0, 8000.0)
        return x

    flat = [(s, d, p_, 100) for s, d, p_, _ in notes]  # a harpsichord has no touch dynamics
    y = render_poly(flat, n, sr, rel * 1.5, note, cache_release=rel, vel_levels=1, max_len_s=5.0)
    jack = _note_offs(flat, n, sr, lambda v: (0.04 * _burst(int(0.05 * sr), sr, rng, 0.006, 300.0, 5000.0)
                                              + 0.03 * _burst(int(0.05 * sr), sr, rng, 0.001, 2000.0, 8000.0)))
    y = y + jack * (np.max(np.abs(y)) + 1e-9)
    y = _eq(y, sr, _rand_peaks(rng, 3, 120.0, 3500.0, g=(-4.0, 5.0)))
    return _mic(y, sr, rng)


# ----------------------------------------------------------------------------------------------
# mallets and other modal percussion

def _mallet(notes, n, sr, rng, ratios, amps, mode_t60, t60, hard, fc0, click, res=(1.0, 1.0),
            detune=0.0, release=None, tail=None, extra=None, post=None, max_len=6.0, vel_levels=3):
    """Generic struck bar/tine/tube: modes at f0*ratios, each with its own level and decay.

    ratios(rng) -> mode ratios; amps base level per mode; mode_t60 per-mode T60 relative to the
    fundamental's; t60 = (T at m_ref, m_ref, semitones per halving). hard: mallet hardness range;
    the contact low-pass (fc0 * hardness * velocity) sets the upper-mode levels and the click.
    res: resonator boost of the fundamental (level, decay stretch). detune: random cents per key.
    release: damper time (None: the bar rings on). extra(f, v, L, m, h) -> extra samples;
    post(y) -> mixed-part processing.
    """
    h0 = _u(rng, hard)
    T, m_ref, S = t60
    t60s = _u(rng, (0.7, 1.3))
    rb = _u(rng, res)
    base_ratios = np.asarray(ratios(rng), dtype=np.float64)
    amps = np.asarray(amps, dtype=np.float64)
    mode_t60 = np.asarray(mode_t60, dtype=np.float64)
    clk_lvl, clk_lo, clk_hi, clk_dur = click

    def note(f, dur, v, L):
        m = _midi(f)
        h = float(np.clip(h0 + rng.normal(0, 0.05), 0.0, 1.0))
        fc = fc0 * (0.35 + 1.3 * h) * (0.5 + 0.7 * v)
        rr = base_ratios * (1.0 + rng.normal(0, 0.004, base_ratios.size))
        rr[0] = 1.0
        fr = f * rr * 2.0 ** (rng.uniform(-detune, detune) / 1200.0)
        a = amps * _lp4(fr, fc)
        a[0] = amps[0] * rb
        tf = float(np.clip(t60s * T * 2.0 ** (-(m - m_ref) / S), 0.08, 30.0))
        tm = tf * mode_t60
        tm[0] *= (1.0 + 0.3 * (rb - 1.0))
        ok = fr < _FMAX
        x = _modal(fr[ok], a[ok], _LN1000 / tm[ok], L, sr, -np.pi / 2 + rng.normal(0, 0.2, int(ok.sum())))
        x += clk_lvl * h * v * _burst(L, sr, rng, clk_dur * (1.6 - h), clk_lo, clk_hi * (0.5 + h))
        if extra is not None:
            x += extra(f, v, L, m, h)
        return x * (0.2 + 0.8 * v)

    life = T * t60s * 1.2 * 2.0 ** (-(min((p for _, _, p, _ in notes), default=60) - m_ref) / S)
    tail_s = tail if tail is not None else min(max_len, life)
    rel_s = release if release is not None else 30.0
    y = render_poly(notes, n, sr, tail_s, note, cache_release=rel_s, vel_levels=vel_levels, max_len_s=max_len)
    if post is not None:
        y = post(y)
    return _mic(y, sr, rng)


def _marimba(notes, n, sr, rng):
    return _mallet(notes, n, sr, rng, lambda r: [1.0, _u(r, (3.88, 4.02)), _u(r, (9.2, 10.0)), _u(r, (15.5, 17.5))],
                   [1.0, 0.5, 0.25, 0.08], [1.0, 0.32, 0.12, 0.06], (2.2, 45.0, 14.0), (0.1, 0.8), 1800.0,
                   (0.5, 150.0, 2500.0, 0.003), res=(1.6, 2.6), max_len=3.0,
                   post=lambda y: _eq(y, sr, _rand_peaks(rng, 2, 150.0, 2000.0, g=(-3.0, 3.0))))


def _xylophone(notes, n, sr, rng):
    return _mallet(notes, n, sr, rng, lambda r: [1.0, _u(r, (2.92, 3.05)), _u(r, (5.8, 6.3)), _u(r, (9.3, 10.2))],
                   [1.0, 0.7, 0.35, 0.15], [1.0, 0.5, 0.2, 0.1], (0.9, 65.0, 20.0), (0.6, 1.0), 5000.0,
                   (1.0, 800.0, 6000.0, 0.0015), res=(1.2, 1.6), max_len=1.5,
                   post=lambda y: _eq(y, sr, _rand_peaks(rng, 2, 300.0, 4000.0, g=(-3.0, 3.0))))


def _vibraphone(notes, n, sr, rng):
    motor = rng.random() < 0.75
    depth, rate, ph = _u(rng, (0.15, 0.7)), _u(rng, (3.0, 7.0)), rng.random()
    pedal = rng.random() < 0.5
    release = _u(rng, (1.5, 3.0)) if pedal else _u(rng, (0.1, 0.25))

    def post(y):
        if motor:  # rotating resonator discs: amplitude (mostly fundamental) tremolo
            y = y * (1.0 - depth * 0.5 * (1.0 + lfo(y.size, sr, rate, ph)))
        return _eq(y, sr, _rand_peaks(rng, 2, 200.0, 3000.0, g=(-3.0, 3.0)))

    return _mallet(notes, n, sr, rng, lambda r: [1.0, _u(r, (3.95, 4.02)), _u(r, (9.8, 10.2))],
                   [1.0, 0.3, 0.1], [1.0, 0.35, 0.12], (5.5, 53.0, 24.0), (0.05, 0.7), 2500.0,
                   (0.25, 1500.0, 6000.0, 0.002), res=(1.3, 1.8), release=release, tail=release * 1.2,
                   max_len=5.0, post=post)


def _glockenspiel(notes, n, sr, rng):
    return _mallet(notes, n, sr, rng, lambda r: [1.0, _u(r, (2.70, 2.78)), _u(r, (5.1, 5.4)), _u(r, (8.4, 8.95))],
                   [1.0, 0.55, 0.35, 0.2], [1.0, 0.6, 0.35, 0.2], (3.0, 72.0, 24.0), (0.5, 1.0), 9000.0,
                   (0.6, 2000.0, 8000.0, 0.0008), max_len=4.0,
                   post=lambda y: _eq(y, sr, _rand_peaks(rng, 2, 800.0, 5000.0, g=(-3.0, 3.0))))


def _celesta(notes, n, sr, rng):
    rel = _u(rng, (0.15, 0.45))

    def thunk(f, v, L, m, h):  # felt hammer and key action
        return 0.12 * v * _burst(L, sr, rng, 0.006, 60.0, 800.0)

    return _mallet(notes, n, sr, rng, lambda r: [1.0, 2.0, _u(r, (2.7, 2.8)), _u(r, (5.2, 5.5))],
                   [1.0, 0.08, 0.18, 0.08], [1.0, 0.5, 0.3, 0.15], (1.8, 60.0, 22.0), (0.1, 0.5), 4000.0,
                   (0.15, 1500.0, 5000.0, 0.002), res=(1.3, 1.8), release=rel, tail=rel * 1.3, extra=thunk,
                   max_len=3.0, post=lambda y: _eq(y, sr, [(_u(rng, (300.0, 700.0)), 1.0, _u(rng, (1.0, 4.0)))]))


def _music_box(notes, n, sr, rng):
    body = _rand_peaks(rng, 3, 300.0, 3000.0, q=(2.0, 6.0), g=(2.0, 8.0))

    def tick(f, v, L, m, h):  # the pin lifting and releasing the tine, and the comb rattling
        return (0.25 * _burst(L, sr, rng, 0.0006, 2500.0, 8000.0)
                + 0.08 * _burst(L, sr, rng, 0.003, 600.0, 3000.0))

    return _mallet(notes, n, sr, rng, lambda r: [1.0, _u(r, (5.8, 6.6)), _u(r, (16.5, 18.0)), 2.0],
                   [1.0, 0.35, 0.1, 0.04], [1.0, 0.3, 0.1, 0.5], (2.5, 60.0, 24.0), (0.8, 1.0), 7000.0,
                   (0.2, 3000.0, 8000.0, 0.0008), detune=_u(rng, (3.0, 12.0)), extra=tick, max_len=3.5,
                   post=lambda y: F.highpass(_eq(y, sr, body), sr, 200.0))


def _tubular_bells(notes, n, sr, rng):
    # free-free tube modes ~(2n+1)^2; the strike tone is heard an octave below mode 4, so modes 4-6
    # (~2:3:4 of the played pitch) are tuned to the note and the played fundamental itself is weak
    beta = np.array([3.011, 5, 7, 9, 11, 13, 15, 17]) ** 2
    pedal = rng.random() < 0.6
    release = _u(rng, (2.0, 4.0)) if pedal else _u(rng, (0.4, 0.9))
    return _mallet(notes, n, sr, rng, lambda r: beta / (beta[3] / 2.0) * (1 + r.normal(0, 0.003, 8)),
                   [0.03, 0.15, 0.35, 1.0, 0.8, 0.6, 0.35, 0.2], [0.6, 0.8, 0.9, 1.0, 0.8, 0.6, 0.4, 0.25],
                   (7.0, 60.0, 30.0), (0.5, 1.0), 6000.0, (0.5, 1500.0, 7000.0, 0.002),
                   release=release, tail=release * 1.2, max_len=5.0)


def _kalimba(notes, n, sr, rng):
    helm = _u(rng, (120.0, 300.0))
    thunk_lvl = _u(rng, (0.2, 0.6))

    def thunk(f, v, L, m, h):  # thumb on the tine: a soft low knock of the box and skin noise
        return thunk_lvl * v * (0.6 * _knock(L, sr, helm, 0.015) + 0.4 * _burst(L, sr, rng, 0.004, 40.0, 900.0))

    return _mallet(notes, n, sr, rng, lambda r: [1.0, _u(r, (5.4, 6.3)), _u(r, (15.0, 17.5))],
                   [1.0, 0.3, 0.08], [1.0, 0.25, 0.1], (2.0, 60.0, 20.0), (0.2, 0.6), 4000.0,
                   (0.1, 1000.0, 4000.0, 0.002), detune=_u(rng, (0.0, 6.0)), extra=thunk, max_len=3.0,
                   post=lambda y: _eq(y, sr, [(helm, 2.0, _u(rng, (2.0, 6.0)))] + _rand_peaks(rng, 2, 400.0, 3000.0)))


def _steel_drums(notes, n, sr, rng):
    bloom = _u(rng, (0.3, 0.9))
    metal = _u(rng, (0.1, 0.35))
    t60s = _u(rng, (0.7, 1.3))

    def extra(f, v, L, m, h):
        # the octave partial blooms after the hit (energy flows from the fundamental), and the
        # pan's skirt and neighbouring notes ring briefly with inharmonic modes
        t60 = t60s * 1.6 * 2.0 ** (-(m - 60.0) / 24.0)
        sf, sa, sd, sp = _swell([2 * f * 2 ** (rng.normal(0, 3) / 1200)], [bloom], [_u(rng, (0.03, 0.09))])
        sd = sd + _LN1000 / (0.8 * t60)
        mf = f * rng.uniform(1.3, 9.0, 6)
        x = _modal(np.concatenate([sf, mf]), np.concatenate([sa, metal * h * rng.uniform(0.3, 1.0, 6)]),
                   np.concatenate([sd, _LN1000 / rng.uniform(0.03, 0.15, 6)]), L, sr,
                   np.concatenate([sp - np.pi / 2, rng.random(6) * 6.28]))
        return x

    def ratios(r):  # hand-tuned notes: harmonic modes 1, 2, 3, 4, a few cents out
        return np.arange(1.0, 5.0) * 2 ** (r.normal(0, [0.0, 4.0, 6.0, 8.0]) / 1200)

    return _mallet(notes, n, sr, rng, ratios,
                   [1.0, 0.35, 0.25, 0.1], [1.0, 0.7, 0.4, 0.25], (1.6, 60.0, 24.0), (0.3, 0.7), 4000.0,
                   (0.35, 1000.0, 6000.0, 0.0015), detune=_u(rng, (0.0, 5.0)), extra=extra, max_len=3.0,
                   post=lambda y: _eq(y, sr, _rand_peaks(rng, 2, 300.0, 3000.0, g=(-2.0, 4.0))))


# ----------------------------------------------------------------------------------------------
# plucked strings

_STRINGS = {
    # p: pluck position, slope: partial roll-off exponent, fc: pluck low-pass at full velocity (Hz),
    # t60: fundamental T60 at MIDI 48 (s), oct: semitones per halving of t60, hf: T60 of the
    # damping term at 2 kHz (s), B: inharmonicity, pol: 2nd-polarisation level, rel: release (s),
    # noise: (level, lo, hi, decay s) pick/finger noise, thump: low finger/thumb knock level,
    # pickup: pickup position range (electric) or None, body: [(f range, q range, dB range)], hp/lp.
    # Extras: slap / mwah / buzz (jawari) levels, slide (probability, cents range), meend (probability,
    # cents range), koto_bend (probability), membrane ((f range), level), taraf (sympathetic strings),
    # players (pizzicato section size range), drive (clean amp), amp (kind, gain range), max_len (s).
    "nylon_guitar": dict(
        p=(0.1, 0.22), slope=(1.0, 1.3), fc=(1500.0, 3000.0), t60=(3.0, 6.0), oct=18.0, hf=(0.25, 0.5),
        B=(1e-05, 5e-05), pol=(0.2, 0.5), rel=(0.15, 0.5), noise=(0.03, 500, 3000, 0.004), thump=0.15,
        body=[((85, 110), (4, 9), (4, 10)), ((180, 240), (3, 6), (3, 8)), ((380, 500), (2, 4), (0, 5)),
              ((1500, 3500), (1, 2), (-3, 3))]),
    "steel_guitar": dict(
        p=(0.08, 0.18), slope=(0.9, 1.1), fc=(3500.0, 7000.0), t60=(4.0, 8.0), oct=18.0, hf=(0.4, 0.9),
        B=(3e-05, 0.00012), pol=(0.3, 0.6), rel=(0.15, 0.6), noise=(0.08, 1500, 7000, 0.002), thump=0.08,
        body=[((90, 115), (4, 9), (3, 9)), ((190, 240), (3, 6), (3, 7)), ((400, 550), (2, 4), (-2, 4)),
              ((2000, 4000), (0.8, 1.5), (0, 4))]),
    "jazz_guitar": dict(
        p=(0.15, 0.3), slope=(1.1, 1.4), fc=(1200.0, 2400.0), t60=(2.5, 5.0), oct=18.0, hf=(0.2, 0.4),
        B=(2e-05, 8e-05), pol=(0.2, 0.4), rel=(0.1, 0.3), noise=(0.03, 400, 2500, 0.003), thump=0.1,
        pickup=(0.2, 0.32), body=[((100, 220), (1.5, 3), (2, 6)), ((600, 900), (1, 2), (-2, 2))],
        lp=(1800.0, 3000.0)),
    "clean_guitar": dict(
        p=(0.08, 0.16), slope=(0.9, 1.1), fc=(3000.0, 6000.0), t60=(5.0, 9.0), oct=20.0, hf=(0.4, 0.9),
        B=(3e-05, 0.00012), pol=(0.3, 0.5), rel=(0.1, 0.4), noise=(0.05, 1500, 6000, 0.002), thump=0.05,
        pickup=(0.06, 0.3), body=[((2000, 5000), (1, 2.5), (3, 8))], lp=(5000.0, 7500.0), drive=(0.0, 1.0)),
    "muted_guitar": dict(
        p=(0.08, 0.16), slope=(1.0, 1.2), fc=(1500.0, 3500.0), t60=(0.15, 0.4), oct=30.0, hf=(0.02, 0.06),
        B=(3e-05, 0.00012), pol=(0.2, 0.4), rel=(0.03, 0.08), noise=(0.08, 300, 3000, 0.003), thump=0.3,
        pickup=(0.06, 0.25), body=[((2000, 4000), (1, 2), (0, 5))], lp=(4000.0, 6000.0), drive=(0.0, 1.5),
        max_len=1.2),
    "overdrive_guitar": dict(
        p=(0.06, 0.14), slope=(0.9, 1.1), fc=(3000.0, 6000.0), t60=(5.0, 9.0), oct=20.0, hf=(0.4, 0.9),
        B=(3e-05, 0.00012), pol=(0.3, 0.5), rel=(0.08, 0.25), noise=(0.05, 1500, 6000, 0.002), thump=0.05,
        pickup=(0.05, 0.15), amp=('overdrive', (4.0, 14.0))),
    "distortion_guitar": dict(
        p=(0.06, 0.14), slope=(0.9, 1.1), fc=(3000.0, 6000.0), t60=(6.0, 10.0), oct=20.0, hf=(0.4, 0.9),
        B=(3e-05, 0.00012), pol=(0.3, 0.5), rel=(0.06, 0.2), noise=(0.05, 1500, 6000, 0.002), thump=0.05,
        pickup=(0.04, 0.12), amp=('distortion', (25.0, 90.0))),
    "acoustic_bass": dict(
        p=(0.2, 0.35), slope=(1.1, 1.5), fc=(700.0, 1500.0), t60=(1.0, 2.2), oct=24.0, hf=(0.06, 0.15),
        B=(5e-05, 0.0002), pol=(0.2, 0.4), rel=(0.08, 0.25), noise=(0.03, 100, 1500, 0.006), thump=0.6,
        body=[((55, 90), (3, 6), (3, 8)), ((110, 200), (2, 4), (2, 6)), ((400, 800), (1, 3), (-4, 3))]),
    "finger_bass": dict(
        p=(0.12, 0.25), slope=(1.0, 1.3), fc=(1000.0, 2500.0), t60=(2.5, 5.0), oct=24.0, hf=(0.1, 0.3),
        B=(5e-05, 0.0002), pol=(0.2, 0.4), rel=(0.05, 0.15), noise=(0.02, 100, 1500, 0.005), thump=0.35,
        pickup=(0.08, 0.25), body=[((60, 120), (1, 2), (0, 5)), ((600, 1200), (1, 2), (-3, 3))],
        lp=(3000.0, 6000.0)),
    "pick_bass": dict(
        p=(0.06, 0.14), slope=(0.8, 1.0), fc=(2500.0, 5000.0), t60=(2.5, 5.0), oct=24.0, hf=(0.15, 0.4),
        B=(5e-05, 0.0002), pol=(0.2, 0.4), rel=(0.05, 0.15), noise=(0.12, 1500, 6000, 0.002), thump=0.1,
        pickup=(0.05, 0.15), body=[((60, 120), (1, 2), (0, 4)), ((1500, 3000), (1, 2), (0, 5))],
        lp=(4000.0, 7000.0)),
    "fretless_bass": dict(
        p=(0.15, 0.28), slope=(1.1, 1.4), fc=(700.0, 1600.0), t60=(3.0, 6.0), oct=24.0, hf=(0.1, 0.3),
        B=(5e-05, 0.0002), pol=(0.2, 0.4), rel=(0.06, 0.18), noise=(0.01, 100, 1000, 0.006), thump=0.15,
        pickup=(0.1, 0.25), mwah=(0.4, 1.0), slide=(0.45, -70.0, -20.0), body=[((70, 130), (1, 2), (0, 4))],
        lp=(3000.0, 5000.0)),
    "slap_bass": dict(
        p=(0.03, 0.08), slope=(0.8, 1.0), fc=(2500.0, 5000.0), t60=(2.0, 4.0), oct=24.0, hf=(0.15, 0.4),
        B=(8e-05, 0.0003), pol=(0.2, 0.4), rel=(0.04, 0.12), noise=(0.15, 2000, 8000, 0.0015), thump=0.5,
        pickup=(0.08, 0.2), slap=(0.6, 1.2),
        body=[((70, 110), (1, 2), (2, 6)), ((450, 800), (0.8, 1.5), (-8, -3)), ((2500, 4000), (1, 2), (2, 7))]),
    "harp": dict(
        p=(0.2, 0.4), slope=(1.0, 1.2), fc=(2500.0, 5000.0), t60=(5.0, 9.0), oct=20.0, hf=(0.4, 0.9),
        B=(1e-05, 6e-05), pol=(0.3, 0.6), rel=(0.8, 2.0), noise=(0.03, 800, 4000, 0.003), thump=0.1,
        body=[((150, 250), (2, 4), (2, 6)), ((350, 600), (2, 4), (0, 4)), ((1000, 3000), (1, 2), (-3, 3))],
        max_len=5.0),
    "sitar": dict(
        p=(0.06, 0.14), slope=(0.8, 1.0), fc=(3000.0, 6000.0), t60=(3.0, 6.0), oct=20.0, hf=(0.4, 1.0),
        B=(2e-05, 8e-05), pol=(0.3, 0.5), rel=(0.3, 0.8), noise=(0.06, 2000, 7000, 0.0015), thump=0.05,
        buzz=(0.8, 1.6), meend=(0.3, 100.0, 200.0), taraf=True,
        body=[((200, 400), (2, 4), (2, 6)), ((1200, 2800), (1.5, 3), (3, 8))], max_len=5.0),
    "banjo": dict(
        p=(0.05, 0.11), slope=(0.8, 1.0), fc=(4000.0, 8000.0), t60=(0.8, 1.6), oct=20.0, hf=(0.2, 0.45),
        B=(2e-05, 8e-05), pol=(0.2, 0.4), rel=(0.1, 0.3), noise=(0.1, 2000, 8000, 0.0015), thump=0.0,
        membrane=((250.0, 450.0), 0.35), hp=(120.0, 220.0),
        body=[((1200, 2500), (2, 5), (4, 9)), ((600, 900), (2, 4), (0, 5))]),
    "shamisen": dict(
        p=(0.05, 0.12), slope=(0.8, 1.0), fc=(3500.0, 7000.0), t60=(0.8, 1.8), oct=20.0, hf=(0.2, 0.5),
        B=(2e-05, 8e-05), pol=(0.2, 0.4), rel=(0.1, 0.3), noise=(0.08, 1000, 6000, 0.002), thump=0.0,
        membrane=((300.0, 550.0), 0.7), buzz=(0.3, 0.7), slide=(0.2, -60.0, 60.0), hp=(100.0, 180.0),
        body=[((400, 800), (1.5, 3), (2, 6)), ((2000, 3500), (1.5, 3), (2, 6))]),
    "koto": dict(
        p=(0.1, 0.2), slope=(0.9, 1.1), fc=(2500.0, 5000.0), t60=(2.5, 5.0), oct=20.0, hf=(0.3, 0.7),
        B=(1e-05, 5e-05), pol=(0.3, 0.5), rel=(0.3, 0.8), noise=(0.07, 1500, 6000, 0.002), thump=0.05,
        koto_bend=0.3, body=[((150, 300), (2, 4), (2, 6)), ((600, 1000), (1.5, 3), (0, 5))]),
    "pizzicato_strings": dict(
        p=(0.18, 0.32), slope=(1.1, 1.3), fc=(1500.0, 3000.0), t60=(0.7, 1.3), oct=16.0, hf=(0.1, 0.25),
        B=(1e-05, 4e-05), pol=(0.2, 0.4), rel=(0.1, 0.3), noise=(0.04, 200, 2500, 0.004), thump=0.15,
        players=(1, 4), max_len=2.5,
        body=[((250, 300), (4, 8), (3, 8)), ((420, 560), (3, 6), (3, 7)), ((2000, 3000), (1, 2), (2, 5)),
              ((100, 140), (2, 4), (0, 5))]),
}


def _string(notes, n, sr, rng, slug):
    """Modal plucked string: pluck comb, pick low-pass, frequency-dependent damping, two
    polarisations, pick/finger noise; per-instrument extras (pickup comb, slap, fretless mwah and
    slide, sitar jawari and sympathetic strings, banjo/shamisen skin, koto bends, pizzicato
    section); then body resonances or pickup, amp and cabinet."""
    s = _STRINGS[slug]
    p0, slope, fc0 = _u(rng, s["p"]), _u(rng, s["slope"]), _u(rng, s["fc"])
    t60s, hf, B = _u(rng, s["t60"]), _u(rng, s["hf"]), _u(rng, s["B"])
    pol, pol_c = _u(rng, s["pol"]), _u(rng, (0.3, 2.5))
    rel = _u(rng, s["rel"])
    nz_lvl, nz_lo, nz_hi, nz_dur = s["noise"]
    nz_lvl *= _u(rng, (0.5, 1.5))
    thump = s["thump"] * _u(rng, (0.5, 1.5))
    pick_q = _u(rng, s["pickup"]) if "pickup" in s else None
    buzz = _u(rng, s["buzz"]) if "buzz" in s else 0.0
    sweep = _u(rng, (0.15, 0.5))
    slap = _u(rng, s["slap"]) if "slap" in s else 0.0
    spread = _u(rng, (0.002, 0.005))
    mwah = _u(rng, s["mwah"]) if "mwah" in s else 0.0
    if "membrane" in s:
        mem_f, mem_lvl = _u(rng, s["membrane"][0]), s["membrane"][1] * _u(rng, (0.6, 1.4))
    else:
        mem_f, mem_lvl = 0.0, 0.0
    players = int(rng.integers(s["players"][0], s["players"][1] + 1)) if "players" in s else 1
    max_len = s.get("max_len", 4.0)

    def terms(f, v, m):
        p = p0 * rng.uniform(0.9, 1.1)
        kmax = int(max(1, min(_FMAX / f, 160)))
        k = np.arange(1, kmax + 1, dtype=np.float64)
        fk = f * k * np.sqrt(1 + B * k * k) / np.sqrt(1 + B)
        fc = fc0 * (0.4 + 0.8 * v)
        amp = np.sin(np.pi * k * p) / k ** slope * _lp4(fk, fc)
        if pick_q is not None:  # pickup under the vibrating length: a second comb
            amp = amp * np.sin(np.pi * k * min(0.45, pick_q * 2 ** ((m - 40.0) / 36.0)))
        t60 = t60s * 2.0 ** (-(m - 48.0) / s["oct"])
        d = _LN1000 / t60 * (1.0 + fk / 4000.0) + _LN1000 / hf * (fk / 2000.0) ** 2
        keep = ((fk < _FMAX) & (np.abs(amp) > 1e-4 * np.abs(amp).max())) | (k == 1)
        fk, amp, d = fk[keep], _norm(amp[keep]), d[keep]
        ph = _disperse(rng, fk, spread)
        c2 = 2 ** (pol_c * rng.uniform(0.5, 1.5) / 1200.0)
        Fs, As, Ds = [fk, fk * c2], [amp * (1 - pol), amp * pol], [d, d * 0.6]
        Ps = [ph, ph + rng.normal(0, 0.3, fk.size)]
        if buzz:  # jawari: a formant sweeping down the partials, each swelling later than the one above
            kk = np.arange(1, fk.size + 1)
            k0 = max(4.0, 3000.0 / f)
            tpk = np.clip(sweep * np.log(k0 / kk), 0.004, None)
            sa = buzz * np.abs(amp).max() * 0.5 * (kk >= 2) * np.minimum(1.0, kk / 3.0) * _lp4(fk, 5000.0)
            sf, sa, sd, sp = _swell(fk, sa, tpk, ph)
            Fs.append(sf), As.append(sa), Ds.append(sd + np.concatenate([d, d])), Ps.append(sp)
        if mwah:  # fretless: upper partials bloom a few tens of ms after the pluck
            kk = np.arange(1, fk.size + 1)
            sa = mwah * np.abs(amp) * (kk >= 3) * _lp4(fk, 2500.0) * 1.5
            sf, sa, sd, sp = _swell(fk, sa, _u(rng, (0.03, 0.09)), ph)
            Fs.append(sf), As.append(sa), Ds.append(sd + np.concatenate([d, d])), Ps.append(sp)
        if slap:  # thumb on the last fret: a bright, fast-dying copy of the string spectrum
            sa = slap * v * _lp4(fk, 5000.0) / np.arange(1, fk.size + 1) ** 0.3
            Fs.append(fk), As.append(_norm(sa) * slap), Ds.append(_LN1000 / rng.uniform(0.06, 0.18) + d), Ps.append(ph)
        return (np.concatenate(Fs), np.concatenate(As), np.concatenate(Ds), np.concatenate(Ps))

    def note(f, dur, v, L):
        m = _midi(f)
        cents = None
        if "slide" in s and rng.random() < s["slide"][0]:      # slide into the note (cents range)
            c0 = _u(rng, s["slide"][1:])
            t = np.arange(L) / sr
            cents = c0 * np.exp(-t / _u(rng, (0.02, 0.06)))
        elif "meend" in s and rng.random() < s["meend"][0]:   # sitar meend: pull up from a lower note
            t = np.arange(L) / sr
            td = _u(rng, (0.05, 0.3))
            cents = -_u(rng, (s["meend"][1], s["meend"][2])) * np.clip(1 - (t - td) / _u(rng, (0.08, 0.25)), 0, 1)
        elif "koto_bend" in s and rng.random() < s["koto_bend"]:  # oshi-hanashi: press then release
            t = np.arange(L) / sr
            t0, w = _u(rng, (0.15, 0.5)), _u(rng, (0.2, 0.5))
            cents = _u(rng, (30.0, 100.0)) * np.sin(np.pi * np.clip((t - t0) / w, 0, 1)) ** 2
        Lx = L + (int(L * 0.13) + 2 if cents is not None else 0)
        x = np.zeros(Lx)
        for j in range(players):
            fj = f * 2 ** (rng.normal(0, 4.0) / 1200.0) if players > 1 else f
            off = int(rng.uniform(0, 0.02) * sr) if j else 0
            if off >= Lx:
                continue
            fk, a, d, ph = terms(fj, v * (rng.uniform(0.7, 1.0) if j else 1.0), m)
            x[off:] += _modal(fk, a, d, Lx - off, sr, ph)
        if cents is not None:
            x = _bend(x, cents)
        if nz_lvl:
            x += nz_lvl * (0.3 + v) * _burst(L, sr, rng, nz_dur, nz_lo, nz_hi)
        if thump:
            x += thump * v * (0.5 * _burst(L, sr, rng, 0.006, 30.0, 400.0)
                              + 0.5 * _knock(L, sr, _u(rng, (70, 140)), 0.01))
        if slap:
            x += 0.3 * slap * v * _burst(L, sr, rng, 0.002, 1500.0, 8000.0)
        if mem_lvl:  # skin head: circular-membrane modes struck by the bridge/plectrum
            mr = np.array([1.0, 1.594, 2.136, 2.296, 2.653, 2.918])
            x += mem_lvl * v * _modal(mem_f * mr * rng.uniform(0.98, 1.02, 6), np.array([1, .7, .5, .4, .3, .25]),
                                      _LN1000 / rng.uniform(0.06, 0.2, 6), L, sr, rng.random(6) * 6.28)
        return x * (0.25 + 0.75 * v) / np.sqrt(players)

    y = render_poly(notes, n, sr, rel * 1.3, note, cache_release=rel, vel_levels=3, max_len_s=max_len)
    body = [(_u(rng, fr), _u(rng, q), _u(rng, g)) for fr, q, g in s.get("body", [])]
    y = _eq(y, sr, body + _rand_peaks(rng, 1, 200.0, 3000.0, g=(-3.0, 3.0)))
    if s.get("taraf"):  # sitar sympathetic strings: narrow resonators ringing with matching partials
        res = np.zeros(n)
        for _ in range(6):
            fr = 440.0 * 2 ** (rng.integers(-7, 12) / 12.0) * rng.uniform(0.997, 1.003)
            res += F.biquad(y, sr, "bp", fr, _u(rng, (150.0, 400.0)))
        y = y + _u(rng, (0.3, 1.0)) * res
    if "hp" in s:
        y = F.highpass(y, sr, _u(rng, s["hp"]), 2)
    if "drive" in s:
        y = F.saturate(y / (np.max(np.abs(y)) + 1e-9), _u(rng, s["drive"]))
    if "amp" in s:
        y = _amp(y, sr, rng, s["amp"][0], _u(rng, s["amp"][1]))
    if "lp" in s:
        y = F.lowpass(y, sr, _u(rng, s["lp"]), 2)
    return _mic(y, sr, rng, room=(0.0, 0.2) if "amp" not in s else (0.0, 0.1))


def _amp(y, sr, rng, kind, gain):
    """Guitar amp: pre-emphasis, asymmetric tanh clipping (intermodulates chords), 4x12-ish cabinet."""
    y = F.highpass(y, sr, _u(rng, (100.0, 250.0)), 1)
    y = _eq(y, sr, [(_u(rng, (600.0, 1100.0)), 0.8, _u(rng, (3.0, 9.0)))])
    y = y / (np.max(np.abs(y)) + 1e-9)
    bias = _u(rng, (0.05, 0.3))
    y = np.tanh(gain * y + bias) - np.tanh(bias)
    if kind == "distortion":  # second gain stage, harder
        y = F.highpass(y, sr, 80.0, 1)
        y = np.tanh(_u(rng, (2.0, 5.0)) * y)
        y = _eq(y, sr, [(_u(rng, (450.0, 800.0)), 0.9, _u(rng, (-8.0, -2.0)))])
    cab = [(_u(rng, (90.0, 140.0)), 1.2, _u(rng, (2.0, 6.0))), (_u(rng, (1800.0, 3200.0)), 1.5, _u(rng, (1.0, 5.0)))]
    y = _eq(y, sr, cab)
    return F.lowpass(y, sr, _u(rng, (3800.0, 5200.0)), 6)  # closed-back speaker: steep above 5 kHz


# ----------------------------------------------------------------------------------------------

def _guard(fn):
    """Common entry: an empty clip is returned as is, the output is float64 of exactly n samples."""
    def model(notes, n, sr, rng):
        n = int(n)
        if n <= 0:
            return np.zeros(max(n, 0))
        y = np.asarray(fn(list(notes), n, int(sr), rng), dtype=np.float64)[:n]
        return np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)
    model.__name__ = model.__qualname__ = getattr(fn, "__name__", None) or fn.func.__name__
    model.__doc__ = fn.__doc__ if not isinstance(fn, partial) else fn.func.__doc__
    return model


_RAW = {
    "acoustic_grand_piano": partial(_piano, kind="grand"),
    "bright_piano": partial(_piano, kind="bright"),
    "honky_tonk_piano": partial(_piano, kind="honky"),
    "electric_piano": _epiano,
    "clavinet": _clavinet,
    "harpsichord": _harpsichord,
    "marimba": _marimba,
    "xylophone": _xylophone,
    "vibraphone": _vibraphone,
    "glockenspiel": _glockenspiel,
    "celesta": _celesta,
    "music_box": _music_box,
    "tubular_bells": _tubular_bells,
    "kalimba": _kalimba,
    "steel_drums": _steel_drums,
    **{slug: partial(_string, slug=slug) for slug in _STRINGS},
}
MODELS = {slug: _guard(fn) for slug, fn in _RAW.items()}

# Instruments whose played fundamental is physically weak: their strongest low partial is the octave.
WEAK_FUNDAMENTAL = {"tubular_bells"}
