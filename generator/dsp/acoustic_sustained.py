"""Modelled sustained GM instruments: bowed strings, brass, woodwinds and reeds, organs, voices.

Each model is `fn(notes, n, sr, rng) -> float64 (n,)` (un-normalised, mono) and draws its patch
(body, bow/bell/bore spectrum, vibrato, brightness, breath, player count, room) from `rng`.

Speed plan (a 10 s 40-note chord part must cost well under 0.3 s CPU):
- per note only a fixed-pitch wavetable read: the note's harmonic spectrum is built once as a
  single-period table (one small inverse FFT) and read with an integer phase accumulator; loudness-
  dependent brightness is a crossfade between 2-3 tables with shared phases; noise (bow, breath,
  chiff, blat) comes from a shaped-noise loop made by one inverse FFT;
- everything that is the same for the whole part runs once on the summed signal: vibrato, pitch
  jitter and drift are a modulated fractional delay (its slope is the pitch ratio), an ensemble
  of players is several such delays with independent vibrato/drift, body and formant resonances
  are one sos cascade, the room is one FFT convolution;
- render_poly's cache_release renders each (pitch, velocity level) once.
"""

from __future__ import annotations

from functools import partial, wraps

import numpy as np
from scipy.fft import irfft, next_fast_len
from scipy.signal import butter, fftconvolve, lfilter, sosfilt

from . import filters as F
from . import oscillators as O
from .additive import _AAH, _DRAWBARS, _REGISTRATIONS, organ_synth, vocal_aah
from .common import place, render_poly
from .envelopes import smooth_random

_TN = 1 << 14                 # wavetable length (nearest-sample read: phase error < -70 dB for low harmonics)
_SHIFT = 32 - 14              # 32-bit phase accumulator -> table index
_P32 = float(1 << 32)
_CR = 32                      # control rate decimation (envelopes, vibrato, brightness)
_TOP_HZ = 9000.0              # no partials above this: the corpus is analysed at 16 kHz

_AR = np.arange(1 << 16, dtype=np.int64)
_ARF = _AR.astype(np.float64)


def _ar(L: int) -> np.ndarray:
    """Cached arange (int64); callers never write into it."""
    global _AR, _ARF
    if L > _AR.size:
        _AR = np.arange(max(L, 2 * _AR.size), dtype=np.int64)
        _ARF = _AR.astype(np.float64)
    return _AR[:L]


def _arf(L: int) -> np.ndarray:
    _ar(L)
    return _ARF[:L]


def _u(rng, lo, hi):
    return float(rng.uniform(lo, hi))


def _top(sr):
    return min(_TOP_HZ, 0.42 * sr)


def _harm(f, sr):
    return np.arange(1, max(1, int(_top(sr) / f)) + 1, dtype=np.float64)


def _rms_amps(a):
    return float(np.sqrt(0.5 * np.sum(np.asarray(a) ** 2))) + 1e-12


# ------------------------------------------------------------------ per-note building blocks

def _tables(amps_list, phases) -> list[np.ndarray]:
    """Single-period tables from harmonic amplitude arrays (shared phases); returns [T0, T1-T0, ...]
    so a crossfade is T0[i] + m * D1[i] (+ ...)."""
    out = []
    for a in amps_list:
        K = min(a.size, _TN // 2 - 1)
        spec = np.zeros(_TN // 2 + 1, dtype=np.complex128)
        spec[1:K + 1] = a[:K] * np.exp(1j * phases[:K]) * (_TN / 2)
        out.append(irfft(spec, _TN))
    return [out[0]] + [out[i] - out[i - 1] for i in range(1, len(out))]


def _idx(f, L, sr, rng, bend=None) -> np.ndarray:
    """Table indices for a fixed pitch f (integer phase accumulator) plus an optional onset
    phase offset `bend` (cycles, from _bend), held at its last value afterwards."""
    inc = int(round(f / sr * _P32))
    ph = _ar(L) * inc
    ph += int(rng.integers(0, 1 << 32))
    if bend is not None and bend.size and L:
        k = min(L, bend.size)
        off = np.rint(bend[:k] * _P32).astype(np.int64)
        ph[:k] += off
        ph[k:] += off[-1]
    ph >>= _SHIFT
    ph &= _TN - 1
    return ph


def _read(tabs, idx, mix=None) -> np.ndarray:
    y = tabs[0][idx]
    if mix is None or len(tabs) == 1:
        return y
    if len(tabs) == 2:
        y += mix * tabs[1][idx]
        return y
    for j in range(1, len(tabs)):
        y += np.clip(mix - (j - 1), 0.0, 1.0) * tabs[j][idx]
    return y


def _bend(f, sr, cents0, tau, L):
    """Phase offset (cycles) of a pitch glide starting cents0 off and relaxing with time constant tau."""
    K = min(L, int(5 * tau * sr) + 1)
    if K <= 1 or cents0 == 0:
        return None
    c = cents0 * np.exp(-_arf(K) / (tau * sr))
    return np.cumsum(f * (2.0 ** (c / 1200.0) - 1.0)) / sr


def _ctrl(L, sr):
    Lc = L // _CR + 2
    return Lc, _arf(Lc) * (_CR / sr)


def _up(c, L) -> np.ndarray:
    """Control-rate curve (one point per _CR samples) -> L samples."""
    return np.interp(_arf(L), _arf(c.size) * _CR, c)


def _asr(tc, dur, a, r, peak=1.0, sus=1.0, dec=0.15, smooth=False):
    """Control-rate envelope: attack (linear or smoothstep), overshoot `peak` relaxing to `sus`,
    exponential release (-40 dB at r) after the gate."""
    x = np.clip(tc / max(a, 1e-3), 0.0, 1.0)
    e = x * x * (3.0 - 2.0 * x) if smooth else x
    if peak != sus:
        e = e * (sus + (peak - sus) * np.exp(-np.maximum(tc - a, 0.0) / max(dec, 1e-3)))
    elif sus != 1.0:
        e = e * sus
    if dur < tc[-1]:
        lvl = float(np.interp(dur, tc, e))
        g = tc >= dur
        e[g] = lvl * np.exp(-4.6 * (tc[g] - dur) / max(r, 1e-3))
    return e


def _noise(L, sr, rng, shape, max_s=0.75) -> np.ndarray:
    """Unit-RMS noise with magnitude response shape(freqs_hz), from one inverse FFT, looped if long."""
    if L <= 0:
        return np.zeros(max(L, 0))
    M = next_fast_len(max(16, min(L, int(max_s * sr))))
    fr = _arf(M // 2 + 1) * (sr / M)
    spec = (rng.standard_normal(fr.size) + 1j * rng.standard_normal(fr.size)) * shape(fr)
    spec[0] = 0.0
    x = irfft(spec, M)
    x /= np.sqrt(np.mean(x * x)) + 1e-12
    return x[:L] if L <= M else np.resize(x, L)


def _lb(fr, fc, octs):
    """Log-frequency gaussian band (width in octaves)."""
    return np.exp(-0.5 * (np.log2(np.maximum(fr, 1.0) / fc) / octs) ** 2)


def _hb(fr, f, bw_rel, gains):
    """Noise bands around the harmonics k*f (breath shaped by the bore resonances)."""
    out = np.zeros_like(fr)
    for k, g in enumerate(gains, 1):
        bw = bw_rel * f * np.sqrt(k)
        lo, hi = np.searchsorted(fr, [k * f - 4 * bw, k * f + 4 * bw])
        out[lo:hi] += g * np.exp(-0.5 * ((fr[lo:hi] - k * f) / bw) ** 2)
    return out


# ------------------------------------------------------------------ whole-part processing

def _delay_read(x, d_c) -> np.ndarray:
    """x through a time-varying delay d_c (samples, control rate, >= 1), linear interpolation."""
    n = x.size
    p = _arf(n) - _up(d_c, n)
    np.maximum(p, 0.0, out=p)
    i = p.astype(np.int64)
    p -= i
    i1 = np.minimum(i + 1, n - 1)
    x0 = x[i]
    return x0 + p * (x[i1] - x0)


def _onset_depth(notes, nc, fs_c, delay, ramp, floor=0.0):
    """Vibrato depth 0..1 per control point: grows `delay` s after the latest onset over `ramp` s."""
    tc = _arf(nc) / fs_c
    on = np.sort(np.array([float(nt[0]) for nt in notes])) if len(notes) else np.zeros(0)
    if on.size == 0:
        return np.ones(nc)
    i = np.searchsorted(on, tc, side="right") - 1
    since = tc - on[np.maximum(i, 0)]
    since[i < 0] = 0.0
    return floor + (1.0 - floor) * np.clip((since - delay) / max(ramp, 1e-3), 0.0, 1.0)


def _player(x, sr, rng, rate, depth, denv=1.0, jitter=0.0, jitter_rate=25.0, drift=0.0,
            drift_rate=0.4, wander=0.06, base_s=0.0, am=0.0):
    """One performer's pitch gesture applied to a whole part: vibrato (rate wandering a little),
    fast jitter and slow intonation drift (all in cents) become the slope of a modulated delay.
    `am` adds the amplitude vibrato that goes with it (flutes, voices)."""
    n = x.size
    nc = n // _CR + 3
    fs_c = sr / _CR
    r = rate * (1.0 + wander * smooth_random(nc, fs_c, 0.7, rng))
    s = np.sin(2 * np.pi * np.cumsum(r) / fs_c + 2 * np.pi * rng.random())
    c = depth * denv * s
    if jitter:
        c = c + jitter * smooth_random(nc, fs_c, jitter_rate, rng)
    if drift:
        c = c + drift * smooth_random(nc, fs_c, drift_rate, rng)
    pos = np.cumsum(2.0 ** (c / 1200.0)) * _CR
    d = _arf(nc) * _CR - (pos - pos[0])
    k = np.exp(-1.0 / (4.0 * fs_c))  # drop the slowest wander of the delay (keeps it bounded)
    d -= lfilter([1.0 - k], [1.0, -k], d)
    d += 1.0 - d.min() + base_s * sr
    y = _delay_read(x, d)
    if am:
        y *= _up(1.0 + am * denv * s, n)
    return y


def _section(x, sr, rng, players, rate=(4.5, 6.5), depth=(8.0, 25.0), drift=(3.0, 9.0), spread_s=0.025,
             jitter=0.0, am_fn=None):
    """An ensemble from one rendered line: each player is the line through its own modulated delay
    (own vibrato rate/phase, intonation drift, timing offset, level)."""
    y = np.zeros_like(x)
    for _ in range(players):
        p = _player(x, sr, rng, _u(rng, *rate), _u(rng, *depth), jitter=jitter, drift=_u(rng, *drift),
                    drift_rate=_u(rng, 0.12, 0.5), base_s=_u(rng, 0.0, spread_s))
        if am_fn is not None:
            p *= _up(am_fn(x.size // _CR + 3), x.size)
        y += _u(rng, 0.6, 1.0) * p
    return y / np.sqrt(players)


def _peak_sos(sr, peaks):
    """RBJ peaking biquads as an sos array; peaks = [(fc, q, gain_db), ...]."""
    if not peaks:
        return np.zeros((0, 6))
    p = np.asarray(peaks, dtype=np.float64)
    fc, q, g = np.clip(p[:, 0], 20.0, 0.45 * sr), np.maximum(p[:, 1], 0.1), p[:, 2]
    A = 10.0 ** (g / 40.0)
    w = 2 * np.pi * fc / sr
    al = np.sin(w) / (2 * q)
    cw = np.cos(w)
    b = np.stack([1 + al * A, -2 * cw, 1 - al * A], axis=1)
    a = np.stack([1 + al / A, -2 * cw, 1 - al / A], axis=1)
    return np.hstack([b / a[:, :1], a / a[:, :1]])


def _eq(x, sr, peaks=(), hp=None, lp=None, hp_order=2, lp_order=2):
    """Body / bell / formant resonances plus band limits, as one sos cascade."""
    sos = [_peak_sos(sr, list(peaks))]
    if hp:
        sos.append(butter(hp_order, min(hp, 0.4 * sr), "highpass", fs=sr, output="sos"))
    if lp and lp < 0.45 * sr:
        sos.append(butter(lp_order, lp, "lowpass", fs=sr, output="sos"))
    sos = np.vstack(sos)
    return sosfilt(sos, x) if sos.shape[0] and x.size else x


def _rand_peaks(rng, count, lo, hi, q, g):
    return [(float(np.exp(rng.uniform(np.log(lo), np.log(hi)))), _u(rng, *q), _u(rng, *g)) for _ in range(count)]


def _room(x, sr, rng, rt60, wet, predelay=(0.005, 0.03), damp=(2500.0, 6000.0)):
    """Cheap room/hall: FFT convolution with exponentially decaying noise (highs decay faster)
    plus a few early reflections; unit-energy IR so `wet` is a level ratio."""
    n = x.size
    if n == 0 or wet <= 0:
        return x
    Li = max(64, int(min(rt60, 5.0) * sr))
    t = _arf(Li) / sr
    nz = rng.standard_normal(Li)
    lo = F.one_pole_lp(nz, sr, _u(rng, *damp))
    ir = lo * np.exp(-6.9 * t / rt60) + 0.4 * (nz - lo) * np.exp(-6.9 * t / (0.3 * rt60))
    pd = int(_u(rng, *predelay) * sr)
    ir[:pd] = 0.0
    fade = min(Li - pd, int(0.01 * sr))
    if fade > 1:
        ir[pd:pd + fade] *= np.linspace(0.0, 1.0, fade)
    er = np.clip((pd + rng.uniform(0.0, 0.035, 6) * sr).astype(int), 0, Li - 1)
    ir[er] += rng.uniform(-2.0, 2.0, 6) * np.std(ir[pd:pd + int(0.05 * sr) + 1])
    ir /= np.sqrt(np.sum(ir * ir)) + 1e-12
    return (1.0 - 0.5 * wet) * x + wet * fftconvolve(x, ir)[:n]


def _mic(x, sr, rng, db=(-4.0, 3.0)):
    """Microphone/placement tilt: random high shelf around 2 kHz."""
    if x.size == 0:
        return x
    lo = F.one_pole_lp(x, sr, 2000.0)
    return lo + 10 ** (_u(rng, *db) / 20.0) * (x - lo)


def _render(notes, n, sr, note_fn, rel, tail_s=None, vel_levels=4, slur_gap=0.04, slur_rel=0.035,
            max_overlap=0.08):
    """render_poly-style cached renderer that knows slurs.

    A note that starts alone (not in a chord) when the previous lone note ends (within slur_gap
    before to max_overlap after its onset; longer overlaps are a second voice) is slurred: rendered by note_fn(f, dur, v, L, slur=True) (no bow scratch / tongue / chiff /
    blat / scoop, quick attack), while the note before it is cut at the new onset with a quick
    release instead of ringing on under it. Each (pitch, velocity level, slurred) is rendered once
    as a held note; gates and releases (exp, -35 dB at `rel`) are applied per note as in render_poly.
    """
    tail_s = rel * 1.3 if tail_s is None else tail_s
    notes = sorted((float(s), max(float(d), 1.0 / sr), int(p), int(v)) for s, d, p, v in notes)
    onsets = {}
    for s, *_ in notes:
        onsets[round(s, 3)] = onsets.get(round(s, 3), 0) + 1
    gate = [d for _, d, _, _ in notes]
    rels = [rel] * len(notes)
    slur = [False] * len(notes)
    prev = None
    for i, (s, d, p, v) in enumerate(notes):
        alone = onsets[round(s, 3)] == 1
        if alone and prev is not None:
            ps = notes[prev][0]
            if ps < s and s - slur_gap <= ps + gate[prev] <= s + max_overlap:
                slur[i] = True
                gate[prev] = min(gate[prev], s - ps + 0.008)
                rels[prev] = slur_rel
        prev = i if alone else None
    todo, need = [], {}
    for i, (s, d, p, v) in enumerate(notes):
        st = int(round(s * sr))
        length = min(int(round((gate[i] + min(tail_s, 1.3 * rels[i] + 0.01)) * sr)), n - st)
        if length <= 0 or st >= n:
            continue
        lv = min(vel_levels - 1, int(np.clip(v, 1, 127) / 127.0 * vel_levels))
        key = (p, lv, slur[i])
        need[key] = max(need.get(key, 0), length)
        todo.append((st, length, gate[i], rels[i], key, np.clip(v, 1, 127) / 127.0))
    held = {}
    for key, L in need.items():
        f = 440.0 * 2.0 ** ((key[0] - 69) / 12.0)
        lvl = (key[1] + 1) / vel_levels
        held[key] = note_fn(f, 1e9, lvl, L, slur=True) if key[2] else note_fn(f, 1e9, lvl, L)
    out = np.zeros(n)
    for st, length, g, r, key, v in todo:
        sig = held[key][:length] * (v / ((key[1] + 1) / vel_levels))
        gs = int(g * sr)
        if gs < length:
            sig[gs:] *= np.exp(-4.0 / max(r, 1e-3) / sr * _arf(length - gs))
        place(out, st, sig)
    return out


def _model(fn):
    """Public model wrapper: empty parts and zero lengths are silence; output float64 of length n."""
    @wraps(fn)
    def run(notes, n, sr, rng, **kw):
        notes, n = list(notes), max(int(n), 0)
        if n == 0 or not notes:
            return np.zeros(n)
        return np.asarray(fn(notes, n, int(sr), rng, **kw), dtype=np.float64)[:n]
    return run


def _mean_pitch(notes):
    return float(np.mean([nt[2] for nt in notes])) if len(notes) else 60.0


# ================================================================== bowed strings

# air (A0) and main wood modes (Hz), bridge-hill centre, band limits, vibrato depth (cents), attack, release
_BOWED = {
    "violin": dict(air=280.0, wood=(450.0, 540.0, 700.0), hill=2600.0, hp=170.0, lp=7500.0, vib=(10, 28),
                   att=(0.04, 0.13), rel=(0.12, 0.35)),
    "viola": dict(air=230.0, wood=(370.0, 440.0, 600.0), hill=2100.0, hp=120.0, lp=6500.0, vib=(10, 26),
                  att=(0.05, 0.15), rel=(0.15, 0.4)),
    "cello": dict(air=102.0, wood=(175.0, 205.0, 290.0), hill=1500.0, hp=58.0, lp=5500.0, vib=(8, 25),
                  att=(0.06, 0.18), rel=(0.2, 0.5)),
    "contrabass": dict(air=62.0, wood=(98.0, 125.0, 180.0), hill=900.0, hp=36.0, lp=4000.0, vib=(5, 18),
                       att=(0.08, 0.22), rel=(0.25, 0.6)),
    "fiddle": dict(air=285.0, wood=(460.0, 550.0, 720.0), hill=2800.0, hp=180.0, lp=8000.0, vib=(0, 12),
                   att=(0.015, 0.06), rel=(0.08, 0.25)),
}


def _body_peaks(rng, P, strength=1.0):
    """Random-ish body: air mode, main wood modes, bridge hill, extra modes and a couple of dips."""
    s = _u(rng, 0.93, 1.07)  # instrument size
    air, hill = P["air"] * s, P["hill"] * _u(rng, 0.85, 1.15)
    pk = [(air * _u(rng, 0.96, 1.04), _u(rng, 8, 16), _u(rng, 5, 10) * strength)]
    pk += [(w * s * _u(rng, 0.9, 1.1), _u(rng, 6, 15), _u(rng, 3, 9) * strength) for w in P["wood"]]
    pk.append((hill, _u(rng, 0.9, 1.6), _u(rng, 4, 9) * strength))
    pk += _rand_peaks(rng, int(rng.integers(3, 7)), air * 1.5, hill * 1.2, (5, 20), (2 * strength, 8 * strength))
    pk += _rand_peaks(rng, int(rng.integers(1, 3)), air * 2, hill * 1.5, (3, 8), (-8 * strength, -3 * strength))
    return pk


def _bow_note(sr, rng, P, noise_lv, scratch, scoop_p, att, rel):
    """Bowed note: Helmholtz-motion sawtooth spectrum with bow-position notches (|sin(pi k beta)|/k^2),
    brightness following bow pressure (crossfade to a rounded-corner table), amplitude jitter,
    pitch-synchronous bow hiss and an onset scratch."""
    beta = _u(rng, 0.05, 0.1) if P is _BOWED["fiddle"] else _u(rng, 0.07, 0.16)
    tilt = _u(rng, -0.05, 0.3)
    fc_soft = _u(rng, 900.0, 2200.0)
    amp_jit = _u(rng, 0.015, 0.05)
    phases = -np.pi / 2 + rng.uniform(-0.3, 0.3, _TN // 2)  # near-coherent: keeps the saw shape
    hill = P["hill"] * _u(rng, 0.8, 1.2)

    def shape(fr):
        return _lb(fr, hill, 1.2) + 0.5 * _lb(fr, min(5000.0, 2.0 * hill), 0.8)

    def note(f, dur, v, L, slur=False):
        k = _harm(f, sr)
        loud = np.abs(np.sin(np.pi * k * beta)) / (np.pi * k * k * beta) + 0.04 / k
        loud *= k ** -tilt
        soft = loud / (1.0 + (k * f / fc_soft) ** 2)
        g = 1.0 / _rms_amps(loud)
        tabs = _tables([soft * g, loud * g], phases)
        if rng.random() < scoop_p and not slur:
            bend = _bend(f, sr, -_u(rng, 20, 90), _u(rng, 0.02, 0.06), L)
        else:  # the string is not yet captured: a small random pitch wobble at the onset
            bend = _bend(f, sr, _u(rng, -12, 12), 0.015, L)
        idx = _idx(f, L, sr, rng, bend)
        Lc, tc = _ctrl(L, sr)
        e = _asr(tc, dur, _u(rng, 0.015, 0.04) if slur else att * _u(rng, 0.8, 1.25), rel, smooth=True)
        e *= 1.0 + amp_jit * smooth_random(Lc, sr / _CR, _u(rng, 4, 9), rng)
        mix = np.minimum(1.0, (0.35 + 0.65 * v) * (0.5 + 0.5 * e))  # bow pressure -> brightness
        y = _read(tabs, idx, _up(mix, L))
        nz = _noise(L, sr, rng, shape)
        sc = (0.2 if slur else 1.0) * scratch * v * np.exp(-tc / _u(rng, 0.015, 0.04)) * np.minimum(1.0, tc / 0.004)
        nz *= 1.0 + 0.5 * y  # stick-slip: the hiss is pulsed at the period
        y *= _up(e, L)
        y += nz * _up(noise_lv * e + sc, L)
        return y * (0.3 + 0.7 * v)

    return note


@_model
def bowed_solo(notes, n, sr, rng, kind="violin"):
    """Solo violin/viola/cello/contrabass/fiddle: bowed wavetable note, delayed vibrato with random rate
    (4.5-6.5 Hz), pitch jitter and drift, random body resonances, mic tilt, optional small room."""
    P = _BOWED[kind]
    fiddle = kind == "fiddle"
    att, rel = _u(rng, *P["att"]), _u(rng, *P["rel"])
    note = _bow_note(sr, rng, P, _u(rng, 0.05, 0.12) if fiddle else _u(rng, 0.02, 0.07),
                     _u(rng, 0.15, 0.6), _u(rng, 0.3, 0.7) if fiddle else _u(rng, 0.0, 0.15), att, rel)
    y = _render(notes, n, sr, note, rel)
    nc, fs_c = n // _CR + 3, sr / _CR
    denv = _onset_depth(notes, nc, fs_c, _u(rng, 0.15, 0.3), _u(rng, 0.15, 0.4), _u(rng, 0.0, 0.35))
    y = _player(y, sr, rng, _u(rng, 4.5, 6.5), _u(rng, *P["vib"]), denv, jitter=_u(rng, 1.5, 4.0),
                jitter_rate=_u(rng, 18, 35), drift=_u(rng, 1.0, 4.0))
    y = _eq(y, sr, _body_peaks(rng, P), hp=P["hp"], lp=P["lp"] * _u(rng, 0.8, 1.2))
    y = _mic(y, sr, rng)
    if rng.random() < 0.75:
        y = _room(y, sr, rng, _u(rng, 0.4, 1.4), _u(rng, 0.05, 0.3))
    return y


@_model
def string_section(notes, n, sr, rng, style="ensemble"):
    """String section: 4-8 players (own vibrato, drift, timing) from one bowed line, averaged bodies,
    room. style 'slow' = slow attacks and long releases; 'tremolo' = desynchronised 8-14 Hz bowing."""
    mp = _mean_pitch(notes)
    P = _BOWED["violin" if mp >= 62 else "viola" if mp >= 52 else "cello" if mp >= 42 else "contrabass"]
    att, rel = {"ensemble": ((0.06, 0.25), (0.3, 0.7)), "slow": ((0.35, 1.0), (0.6, 1.4)),
                "tremolo": ((0.02, 0.06), (0.2, 0.5))}[style]
    att, rel = _u(rng, *att), _u(rng, *rel)
    note = _bow_note(sr, rng, P, _u(rng, 0.02, 0.05), _u(rng, 0.0, 0.3) if style != "slow" else 0.0,
                     0.0, att, rel)
    x = _render(notes, n, sr, note, rel, slur_rel=max(0.05, 0.3 * rel))
    players = int(rng.integers(4, 9))
    am_fn = None
    if style == "tremolo":
        rate, depth, sharp = _u(rng, 8.0, 14.0), _u(rng, 0.7, 0.95), _u(rng, 1.5, 3.0)
        ph0, spread = rng.random(), _u(rng, 0.1, 0.45)

        def am_fn(nc):
            # every player bows his own strokes (rate +-3 %, wandering), loosely following the
            # section: phases spread around a common one, so the sum shimmers but still pulses
            ph = 2 * np.pi * (rate * _u(rng, 0.97, 1.03) * (_arf(nc) * _CR / sr
                              + 0.004 * np.cumsum(smooth_random(nc, sr / _CR, 1.0, rng)) * _CR / sr)
                              + ph0 + spread * rng.uniform(-1.0, 1.0))
            return 1.0 - depth + depth * (0.5 + 0.5 * np.cos(ph)) ** sharp

    y = _section(x, sr, rng, players, depth=(8.0, 22.0), drift=(3.0, 9.0), spread_s=_u(rng, 0.01, 0.035),
                 am_fn=am_fn)
    y = _eq(y, sr, _body_peaks(rng, P, 0.5), hp=P["hp"], lp=_u(rng, 4500.0, 8000.0))
    y = _mic(y, sr, rng)
    return _room(y, sr, rng, _u(rng, 1.2, 2.8), _u(rng, 0.15, 0.45), predelay=(0.01, 0.04))


# ================================================================== brass

# spectral cutoffs of the (soft, mid, loud) tables, formants (fc, q, dB), band limits, attack,
# onset scoop (cents), vibrato depth (cents)
_BRASS = {
    "trumpet": dict(cut=(600.0, 1400.0, 3500.0), forms=[(1300.0, 1.2, 6.0), (2800.0, 2.0, 3.0)], hp=180.0,
                    lp=8000.0, att=(0.012, 0.035), scoop=(10, 50), vib=(0, 12)),
    "trombone": dict(cut=(300.0, 700.0, 2000.0), forms=[(550.0, 1.0, 5.0), (1300.0, 2.0, 3.0)], hp=65.0,
                     lp=6000.0, att=(0.02, 0.05), scoop=(10, 60), vib=(0, 14)),
    "tuba": dict(cut=(150.0, 320.0, 900.0), forms=[(250.0, 1.0, 5.0), (700.0, 2.0, 2.0)], hp=28.0,
                 lp=3500.0, att=(0.03, 0.08), scoop=(5, 40), vib=(0, 8)),
    "french_horn": dict(cut=(220.0, 400.0, 950.0), forms=[(420.0, 1.0, 4.0), (1100.0, 2.0, -3.0)], hp=50.0,
                        lp=2400.0, att=(0.03, 0.08), scoop=(15, 70), vib=(0, 6)),
}
_BRASS["muted_trumpet"] = _BRASS["trumpet"]


def _brass_note(sr, rng, P, bright, min_mix=0.0):
    """Lip-reed note: 3 tables whose spectral cutoff rises with loudness, crossfaded by velocity x
    envelope (brightness follows amplitude), attack overshoot, lip 'blat' (bright, rough, noisy
    first tens of ms) and a pitch scoop from below."""
    cuts = np.array(P["cut"]) * bright
    slope = _u(rng, 2.0, 3.2)
    att, rel = _u(rng, *P["att"]), _u(rng, 0.05, 0.14)
    over, sus, dec = _u(rng, 1.05, 1.45), _u(rng, 0.75, 0.95), _u(rng, 0.06, 0.2)
    blat, scoop, breath = _u(rng, 0.2, 0.9), _u(rng, *P["scoop"]), _u(rng, 0.005, 0.03)
    fn = P["forms"][0][0] * 2
    phases = rng.uniform(-0.4, 0.4, _TN // 2)  # near cosine phase: the peaky pressure pulses of a bell

    def shape(fr):
        return _lb(fr, fn, 1.0)

    def note(f, dur, v, L, slur=False):
        k = _harm(f, sr)
        amps = [k ** -0.3 / (1.0 + (k * f / c) ** slope) for c in cuts]
        g = 1.0 / _rms_amps(amps[-1])
        tabs = _tables([a * g for a in amps], phases)
        sl = 0.2 if slur else 1.0  # lip slur: no tongued attack
        bend = _bend(f, sr, -scoop * sl * _u(rng, 0.5, 1.2) * (1.2 - 0.5 * v), _u(rng, 0.015, 0.04), L)
        idx = _idx(f, L, sr, rng, bend)
        Lc, tc = _ctrl(L, sr)
        e = _asr(tc, dur, 0.012 if slur else att * (1.3 - 0.5 * v), rel, peak=1.0 + (over - 1.0) * sl, sus=sus,
                 dec=dec)
        blt = sl * blat * v * np.exp(-tc / _u(rng, 0.015, 0.04))
        mix = np.clip(2.0 * (0.2 + 0.8 * v) * (e / max(e.max(), 1e-9)) ** 0.6 + 2.0 * blt, min_mix, 2.0)
        rough = 1.0 + 0.5 * blt * smooth_random(Lc, sr / _CR, _u(rng, 60.0, 200.0), rng)
        y = _read(tabs, idx, _up(mix, L))
        y *= _up(e * rough, L)
        y += _noise(L, sr, rng, shape) * _up(breath * e + 0.25 * blt, L)
        return y * (0.3 + 0.7 * v)

    return note, rel


_MUTES = {  # highpass, resonances, lowpass: the nasal band-pass of straight / cup / harmon mutes
    "straight": (750.0, [(1800.0, 3.0, 10.0), (4500.0, 3.0, 5.0)], 8000.0),
    "cup": (380.0, [(900.0, 2.0, 8.0), (2000.0, 3.0, 3.0)], 3500.0),
    "harmon": (1100.0, [(1600.0, 4.0, 8.0), (3600.0, 3.0, 9.0)], 8000.0),
}


@_model
def brass_solo(notes, n, sr, rng, kind="trumpet"):
    """Trumpet / muted trumpet / trombone / tuba / french horn: amplitude-dependent brightness,
    blat, scoop, small delayed vibrato, bell formants, horn darker and roomier."""
    P = _BRASS[kind]
    muted = kind == "muted_trumpet"
    note, rel = _brass_note(sr, rng, P, _u(rng, 0.75, 1.35), min_mix=0.8 if muted else 0.0)
    y = _render(notes, n, sr, note, rel, rel * 1.5)
    nc, fs_c = n // _CR + 3, sr / _CR
    denv = _onset_depth(notes, nc, fs_c, _u(rng, 0.25, 0.5), _u(rng, 0.2, 0.4))
    y = _player(y, sr, rng, _u(rng, 4.8, 6.5), _u(rng, *P["vib"]), denv, jitter=_u(rng, 0.5, 2.0),
                drift=_u(rng, 1.0, 3.0))
    s = _u(rng, 0.9, 1.1)
    if muted:
        hp, pk, lp = _MUTES[["straight", "cup", "harmon"][int(rng.integers(3))]]
        y = _eq(y, sr, [(f * s, q, g) for f, q, g in pk], hp=hp * s, lp=lp, hp_order=3)
    else:
        pk = [(f * s * _u(rng, 0.9, 1.1), q, g * _u(rng, 0.7, 1.3)) for f, q, g in P["forms"]]
        y = _eq(y, sr, pk + _rand_peaks(rng, 2, 300, 3000, (2, 6), (-3, 3)), hp=P["hp"],
                lp=P["lp"] * _u(rng, 0.8, 1.2), lp_order=4 if kind == "french_horn" else 2)
    y = _mic(y, sr, rng)
    wet = _u(rng, 0.15, 0.4) if kind == "french_horn" else _u(rng, 0.0, 0.25)
    return _room(y, sr, rng, _u(rng, 0.6, 2.0), wet)


@_model
def brass_section(notes, n, sr, rng):
    """3-4 brass players (trumpets over trombones by register) detuned/drifting, with room."""
    mp = _mean_pitch(notes)
    P = _BRASS["trumpet" if mp >= 60 else "trombone"]
    note, rel = _brass_note(sr, rng, P, _u(rng, 0.8, 1.3))
    x = _render(notes, n, sr, note, rel, rel * 1.5)
    y = _section(x, sr, rng, int(rng.integers(3, 5)), rate=(4.8, 6.2), depth=(0.0, 8.0), drift=(3.0, 10.0),
                 spread_s=0.02)
    pk = [(f * _u(rng, 0.9, 1.1), q, g) for f, q, g in P["forms"]]
    y = _eq(y, sr, pk, hp=P["hp"], lp=P["lp"] * _u(rng, 0.7, 1.1))
    y = _mic(y, sr, rng)
    return _room(y, sr, rng, _u(rng, 0.8, 2.2), _u(rng, 0.1, 0.35))


# ================================================================== woodwinds

# harmonic amps (soft, loud), breath level, breath band width (x f), chiff, attack, vibrato
# depth (cents) and amplitude-vibrato depth, onset bend probability, octave of the breath hiss
_FLUTES = {
    "flute": dict(soft=[1, 0.15, 0.05, 0.02], loud=[1, 0.45, 0.25, 0.12, 0.06, 0.03], breath=(0.04, 0.12),
                  bw=(0.08, 0.2), chiff=(0.2, 0.6), att=(0.03, 0.08), vib=(5, 18), am=(0.05, 0.2), bend=0.1),
    "piccolo": dict(soft=[1, 0.08, 0.02], loud=[1, 0.3, 0.1, 0.04], breath=(0.03, 0.1), bw=(0.05, 0.12),
                    chiff=(0.2, 0.5), att=(0.02, 0.06), vib=(5, 15), am=(0.05, 0.15), bend=0.05),
    "recorder": dict(soft=[1, 0.2, 0.1, 0.05], loud=[1, 0.3, 0.15, 0.08, 0.04], breath=(0.02, 0.06),
                     bw=(0.05, 0.12), chiff=(0.5, 1.2), att=(0.015, 0.03), vib=(0, 8), am=(0.0, 0.05), bend=0.0),
    "pan_flute": dict(soft=[1, 0.03, 0.15, 0.01, 0.05], loud=[1, 0.06, 0.3, 0.03, 0.12], breath=(0.12, 0.3),
                      bw=(0.1, 0.3), chiff=(0.6, 1.4), att=(0.02, 0.06), vib=(0, 10), am=(0.0, 0.1), bend=0.3),
    "shakuhachi": dict(soft=[1, 0.25, 0.1, 0.05], loud=[1, 0.4, 0.2, 0.1, 0.05], breath=(0.15, 0.4),
                       bw=(0.12, 0.35), chiff=(0.4, 1.0), att=(0.04, 0.12), vib=(0, 30), am=(0.05, 0.3),
                       bend=0.6),
    "whistle": dict(soft=[1, 0.02, 0.005], loud=[1, 0.04, 0.01], breath=(0.02, 0.1), bw=(0.03, 0.08),
                    chiff=(0.0, 0.1), att=(0.03, 0.08), vib=(10, 35), am=(0.02, 0.1), bend=0.5),
    "ocarina": dict(soft=[1, 0.04, 0.01], loud=[1, 0.08, 0.03], breath=(0.02, 0.06), bw=(0.04, 0.1),
                    chiff=(0.2, 0.6), att=(0.02, 0.05), vib=(0, 10), am=(0.0, 0.08), bend=0.05),
}


@_model
def flute_family(notes, n, sr, rng, kind="flute"):
    """Flue/edge-tone instruments: near-sinusoidal tables (few harmonics; overblowing brightness
    with loudness), breath noise in bands around the harmonics plus hiss, onset chiff, amplitude +
    pitch vibrato, pitch bends (shakuhachi meri, whistle glides), breathier pan flute/shakuhachi."""
    P = _FLUTES[kind]
    soft, loud = np.array(P["soft"], float), np.array(P["loud"], float)
    breath, bw, chiff = _u(rng, *P["breath"]), _u(rng, *P["bw"]), _u(rng, *P["chiff"])
    att, rel = _u(rng, *P["att"]), _u(rng, 0.05, 0.15)
    hiss_f = _u(rng, 2500.0, 6000.0)
    phases = rng.uniform(0, 2 * np.pi, _TN // 2)
    bright = _u(rng, 0.6, 1.4)
    muraiki = kind in ("shakuhachi", "pan_flute")

    def note(f, dur, v, L, slur=False):
        m = max(1, min(int(_top(sr) / f), max(soft.size, loud.size)))
        reg = min(1.0, (700.0 / f) ** 0.5)  # higher notes are purer

        def arr(a):
            x = np.zeros(m)
            x[:min(m, a.size)] = a[:m]
            x[1:] *= bright * reg
            return x

        tl = [arr(soft), arr(loud)]
        g = 1.0 / _rms_amps(tl[1])
        tabs = _tables([tl[0] * g, tl[1] * g], phases)
        bend = None
        if rng.random() < P["bend"] * (0.3 if slur else 1.0):
            bend = _bend(f, sr, -_u(rng, 30, 120), _u(rng, 0.04, 0.2), L)
        idx = _idx(f, L, sr, rng, bend)
        Lc, tc = _ctrl(L, sr)
        e = _asr(tc, dur, 0.012 if slur else att * (1.3 - 0.5 * v), rel, peak=1.0 if slur else _u(rng, 1.0, 1.2),
                 dec=0.08, smooth=True)
        ch = (0.1 if slur else 1.0) * chiff * v * np.exp(-tc / _u(rng, 0.01, 0.035))
        mix = np.clip((0.3 + 0.7 * v) * e + 1.5 * ch, 0.0, 1.0)
        y = _read(tabs, idx, _up(mix, L)) * _up(e, L)
        nz = _noise(L, sr, rng, lambda fr: _hb(fr, f, bw, [1.0, 0.5, 0.25]) + 0.3 * _lb(fr, hiss_f, 1.0))
        ne = breath * (0.5 + 0.5 * v) * e + 0.6 * ch
        if muraiki:  # gusts of breath
            ne = ne * (1.0 + 0.6 * np.abs(smooth_random(Lc, sr / _CR, _u(rng, 1.0, 4.0), rng)))
        y += nz * _up(ne, L)
        return y * (0.4 + 0.6 * v)

    y = _render(notes, n, sr, note, rel, rel * 1.5)
    nc, fs_c = n // _CR + 3, sr / _CR
    rate = _u(rng, 3.5, 5.5) if kind == "shakuhachi" else _u(rng, 4.5, 6.5)
    denv = _onset_depth(notes, nc, fs_c, _u(rng, 0.1, 0.35), _u(rng, 0.2, 0.5), _u(rng, 0.0, 0.3))
    y = _player(y, sr, rng, rate, _u(rng, *P["vib"]), denv, jitter=_u(rng, 0.5, 2.0), drift=_u(rng, 1.0, 4.0),
                am=_u(rng, *P["am"]))
    lo = 440.0 * 2 ** ((min(nt[2] for nt in notes) - 69) / 12) if len(notes) else 200.0
    y = _eq(y, sr, _rand_peaks(rng, 2, 500, 4000, (1, 4), (-3, 3)), hp=max(60.0, 0.5 * lo), lp=_u(rng, 6000, 9000))
    y = _mic(y, sr, rng)
    return _room(y, sr, rng, _u(rng, 0.5, 2.0), _u(rng, 0.05, 0.3))


@_model
def clarinet(notes, n, sr, rng):
    """Cylindrical bore: odd harmonics dominate below the register break (even ones ~-20..-30 dB),
    evens return higher up and above the tone-hole cutoff; soft/loud tables; little vibrato."""
    alpha_l, alpha_s = _u(rng, 0.7, 1.0), _u(rng, 1.4, 1.9)
    cutoff = _u(rng, 1300.0, 2000.0)
    even_lo = _u(rng, 0.03, 0.1)
    breath = _u(rng, 0.01, 0.04)
    att, rel = _u(rng, 0.015, 0.04), _u(rng, 0.04, 0.1)
    phases = rng.uniform(0, 2 * np.pi, _TN // 2)

    def note(f, dur, v, L, slur=False):
        k = _harm(f, sr)
        ev = even_lo + (0.6 - even_lo) * np.clip((f - 300.0) / 400.0, 0.0, 1.0)
        w = np.where(k % 2 == 1, 1.0, ev)
        w = np.where(k * f > cutoff, np.maximum(w, 0.5), w)  # above the cutoff frequency: odd/even mixed
        roll = 1.0 / (1.0 + (k * f / (cutoff * 1.8)) ** 3)
        loud, soft = w * k ** -alpha_l * roll, w * k ** -alpha_s * roll
        g = 1.0 / _rms_amps(loud)
        tabs = _tables([soft * g, loud * g], phases)
        idx = _idx(f, L, sr, rng)
        Lc, tc = _ctrl(L, sr)
        e = _asr(tc, dur, 0.01 if slur else att, rel, peak=1.0 if slur else _u(rng, 1.0, 1.15), dec=0.06)
        y = _read(tabs, idx, _up(np.clip((0.25 + 0.75 * v) * e, 0, 1), L)) * _up(e, L)
        y += _noise(L, sr, rng, lambda fr: _hb(fr, f, 0.1, [0.5, 0.2, 0.5]) + _lb(fr, 3000.0, 1.0)) * _up(breath * e, L)
        return y * (0.3 + 0.7 * v)

    y = _render(notes, n, sr, note, rel, rel * 1.5)
    nc, fs_c = n // _CR + 3, sr / _CR
    depth = _u(rng, 3, 12) if rng.random() < 0.4 else 0.0
    y = _player(y, sr, rng, _u(rng, 4.5, 6.0), depth, _onset_depth(notes, nc, fs_c, 0.3, 0.3),
                jitter=_u(rng, 0.3, 1.5), drift=_u(rng, 0.5, 3.0))
    y = _eq(y, sr, _rand_peaks(rng, 3, 400, 3500, (1.5, 5), (-4, 5)), hp=100.0, lp=_u(rng, 4000, 8000))
    y = _mic(y, sr, rng)
    return _room(y, sr, rng, _u(rng, 0.5, 1.8), _u(rng, 0.05, 0.3))


# double reeds / saxes: source, formants (fc, q, dB), highpass, vibrato depth
_REEDS = {
    "oboe": dict(src="pulse", w=(0.12, 0.22), forms=[(1100.0, 3.0, 10.0), (2900.0, 4.0, 6.0)], hp=300.0,
                 lp=7000.0, vib=(4, 15), breath=(0.01, 0.03)),
    "bassoon": dict(src="pulse", w=(0.15, 0.25), forms=[(480.0, 3.0, 10.0), (1200.0, 4.0, 6.0), (2700.0, 3.0, 3.0)],
                    hp=55.0, lp=5000.0, vib=(3, 12), breath=(0.01, 0.03)),
    "soprano_sax": dict(src="saw", forms=[(850.0, 2.0, 6.0), (2300.0, 2.5, 4.0), (3900.0, 3.0, 2.0)], hp=200.0,
                        lp=8500.0, vib=(8, 25), breath=(0.03, 0.1)),
    "alto_sax": dict(src="saw", forms=[(650.0, 2.0, 6.0), (1800.0, 2.5, 4.0), (3000.0, 3.0, 2.0)], hp=130.0,
                     lp=8000.0, vib=(8, 30), breath=(0.03, 0.12)),
    "tenor_sax": dict(src="saw", forms=[(480.0, 2.0, 6.0), (1350.0, 2.5, 4.0), (2400.0, 3.0, 2.0)], hp=90.0,
                      lp=7500.0, vib=(8, 30), breath=(0.04, 0.14)),
    "baritone_sax": dict(src="saw", forms=[(340.0, 2.0, 6.0), (950.0, 2.5, 4.0), (1900.0, 3.0, 2.0)], hp=55.0,
                         lp=6500.0, vib=(5, 22), breath=(0.04, 0.14)),
}


@_model
def reed(notes, n, sr, rng, kind="oboe"):
    """Double reeds (oboe, bassoon: narrow pulse-like source, strong fixed formants, thin
    fundamental) and saxophones (conical: saw-like source whose brightness follows loudness, bite at
    the onset, formant body, jazz scoops, optional growl)."""
    P = _REEDS[kind]
    sax = P["src"] == "saw"
    width = _u(rng, *P["w"]) if not sax else 0.0
    # spectral tilt on top of the source (1/k saw or flat-topped narrow pulse), loud and soft tables
    t_l, t_s = (_u(rng, -0.25, 0.05), _u(rng, 0.5, 1.1)) if sax else (_u(rng, 0.2, 0.5), _u(rng, 0.8, 1.2))
    breath = _u(rng, *P["breath"])
    att, rel = _u(rng, 0.015, 0.045), _u(rng, 0.04, 0.12)
    bite = _u(rng, 0.1, 0.6)
    scoop_p = _u(rng, 0.0, 0.5) if sax else 0.0
    phases = rng.uniform(-0.5, 0.5, _TN // 2)
    f1 = P["forms"][0][0]

    def note(f, dur, v, L, slur=False):
        k = _harm(f, sr)
        base = np.abs(np.sin(np.pi * k * width)) / (np.pi * width * k) if not sax else 1.0 / k
        base = base + (0.02 / k if not sax else 0.0)
        loud = base * k ** -t_l / (1.0 + (k * f / 5000.0) ** 2)
        soft = base * k ** -t_s
        g = 1.0 / _rms_amps(loud)
        tabs = _tables([soft * g, loud * g], phases)
        bend = _bend(f, sr, -_u(rng, 20, 80), _u(rng, 0.03, 0.08), L) if rng.random() < scoop_p else None
        idx = _idx(f, L, sr, rng, bend)
        Lc, tc = _ctrl(L, sr)
        e = _asr(tc, dur, 0.012 if slur else att * (1.3 - 0.5 * v), rel, peak=1.0 if slur else _u(rng, 1.0, 1.25),
                 dec=0.1)
        bt = (0.2 if slur else 1.0) * bite * v * np.exp(-tc / 0.03)
        y = _read(tabs, idx, _up(np.clip((0.15 + 0.85 * v) * e ** 0.7 + bt, 0, 1), L)) * _up(e, L)
        y += _noise(L, sr, rng, lambda fr: _hb(fr, f, 0.15, [0.3, 0.3, 0.3]) + _lb(fr, 2.5 * f1, 1.2)) \
            * _up(breath * e + 0.2 * bt, L)
        return y * (0.3 + 0.7 * v)

    y = _render(notes, n, sr, note, rel, rel * 1.5)
    nc, fs_c = n // _CR + 3, sr / _CR
    y = _player(y, sr, rng, _u(rng, 4.5, 6.2), _u(rng, *P["vib"]),
                _onset_depth(notes, nc, fs_c, _u(rng, 0.2, 0.45), _u(rng, 0.2, 0.4), _u(rng, 0.0, 0.3)),
                jitter=_u(rng, 0.5, 2.5), drift=_u(rng, 1.0, 4.0))
    if sax and rng.random() < 0.25:  # growl: singing into the horn -> rough 25-45 Hz modulation
        gr = _u(rng, 25.0, 45.0)
        m = np.sin(2 * np.pi * gr * _arf(nc) / fs_c) + 0.5 * smooth_random(nc, fs_c, gr, rng)
        y = F.saturate(y * _up(1.0 + _u(rng, 0.2, 0.5) * m, n) / (np.max(np.abs(y)) + 1e-9), _u(rng, 0.5, 2.0))
    s = _u(rng, 0.92, 1.08)
    pk = [(f * s, q * _u(rng, 0.8, 1.2), g * _u(rng, 0.7, 1.2)) for f, q, g in P["forms"]]
    y = _eq(y, sr, pk, hp=P["hp"], lp=P["lp"] * _u(rng, 0.8, 1.1))
    y = _mic(y, sr, rng)
    return _room(y, sr, rng, _u(rng, 0.4, 1.8), _u(rng, 0.0, 0.3))


@_model
def harmonica(notes, n, sr, rng):
    """Free reed in a mouth/hand cavity: bright pulse-ish reed pair (beating, tremolo-harp style),
    draw-note bends from below, hand 'wah' tremolo, nasal cavity formants."""
    width = _u(rng, 0.25, 0.45)
    det = _u(rng, 2.0, 12.0)
    second = _u(rng, 0.2, 0.9)
    bend_p = _u(rng, 0.15, 0.5)
    breath = _u(rng, 0.02, 0.07)
    att, rel = _u(rng, 0.01, 0.03), _u(rng, 0.04, 0.1)
    phases = rng.uniform(-0.3, 0.3, _TN // 2)

    def note(f, dur, v, L, slur=False):
        k = _harm(f, sr)
        loud = np.abs(np.sin(np.pi * k * width)) / k ** 0.8 + 0.03 / k
        soft = loud / (1.0 + (k * f / 1500.0) ** 2)
        g = 1.0 / _rms_amps(loud)
        tabs = _tables([soft * g, loud * g], phases)
        bend = _bend(f, sr, -_u(rng, 50, 160), _u(rng, 0.05, 0.15), L) if rng.random() < bend_p else None
        att_ = 0.008 if slur else att
        Lc, tc = _ctrl(L, sr)
        e = _asr(tc, dur, att_, rel, peak=_u(rng, 1.0, 1.15), dec=0.1)
        mix = _up(np.clip((0.3 + 0.7 * v) * e, 0, 1), L)
        y = _read(tabs, _idx(f, L, sr, rng, bend), mix)
        y += second * _read(tabs, _idx(f * 2 ** (det / 1200), L, sr, rng, bend), mix)
        y *= _up(e, L)
        y += _noise(L, sr, rng, lambda fr: _lb(fr, 1500.0, 1.3)) * _up(breath * e, L)
        return y * (0.3 + 0.7 * v)

    y = _render(notes, n, sr, note, rel, rel * 1.5)
    nc, fs_c = n // _CR + 3, sr / _CR
    y = _player(y, sr, rng, _u(rng, 4.0, 7.0), _u(rng, 0, 15), _onset_depth(notes, nc, fs_c, 0.25, 0.3),
                jitter=1.0, drift=_u(rng, 1.0, 4.0), am=_u(rng, 0.0, 0.35))
    y = _eq(y, sr, [(_u(rng, 900, 1400), 2.0, _u(rng, 3, 8)), (_u(rng, 2300, 3200), 3.0, _u(rng, 2, 6))]
            + _rand_peaks(rng, 2, 500, 4000, (2, 6), (-4, 4)), hp=200.0, lp=_u(rng, 5000, 8000))
    y = _mic(y, sr, rng)
    return _room(y, sr, rng, _u(rng, 0.3, 1.2), _u(rng, 0.0, 0.25))


_ACC_REGISTERS = [  # reed banks: (octave ratio, detune cents scale) ; detune scale x musette depth
    [(1.0, 0.0)],                                   # clarinet (single 8')
    [(1.0, 0.0), (1.0, 1.0)],                       # violin / "swing" (2 reeds, light musette)
    [(1.0, -1.0), (1.0, 0.0), (1.0, 1.0)],          # musette (3 reeds)
    [(0.5, 0.0), (1.0, 0.0), (1.0, 1.0)],           # bandoneon-ish with bassoon 16'
    [(0.5, 0.0), (1.0, -1.0), (1.0, 1.0), (2.0, 0.0)],  # master
]


@_model
def accordion(notes, n, sr, rng):
    """Free-reed banks (16'/8'/4') with 2-3 detuned 8' reeds for 'musette' beating, pulse-like reed
    spectrum, bellows swell, box resonances, optional cassotto (tone chamber) darkening."""
    reg = _ACC_REGISTERS[int(rng.integers(len(_ACC_REGISTERS)))]
    mus = _u(rng, 8.0, 30.0)
    width = _u(rng, 0.15, 0.4)
    tilt = _u(rng, 0.6, 1.1)
    att, rel = _u(rng, 0.02, 0.07), _u(rng, 0.04, 0.1)
    gains = [_u(rng, 0.6, 1.0) if r == 1.0 else _u(rng, 0.3, 0.7) for r, _ in reg]
    phases = rng.uniform(-0.5, 0.5, _TN // 2)

    def note(f, dur, v, L):
        Lc, tc = _ctrl(L, sr)
        e = _asr(tc, dur, att, rel, smooth=True) * (1.0 + 0.03 * smooth_random(Lc, sr / _CR, 2.0, rng))
        y = np.zeros(L)
        for (ratio, d), g in zip(reg, gains):
            fb = f * ratio
            k = _harm(fb, sr)
            a = (np.abs(np.sin(np.pi * k * width)) + 0.05) / k ** tilt
            tab = _tables([a / _rms_amps(a)], phases)
            y += g * _read(tab, _idx(fb * 2 ** (d * mus * _u(rng, 0.9, 1.1) / 1200), L, sr, rng))
        return y * _up(e, L) * (0.3 + 0.7 * v)

    y = render_poly(notes, n, sr, rel * 1.5, note, cache_release=rel)
    nc, fs_c = n // _CR + 3, sr / _CR
    y = _player(y, sr, rng, 5.0, 0.0, jitter=0.5, drift=_u(rng, 0.5, 2.0), am=0.0)
    bellows = 1.0 + _u(rng, 0.02, 0.1) * smooth_random(nc, fs_c, _u(rng, 0.3, 1.0), rng)
    y *= _up(bellows, n)
    lp = _u(rng, 2000, 3500) if rng.random() < 0.35 else _u(rng, 5000, 8500)
    y = _eq(y, sr, [(_u(rng, 350, 650), 2.0, _u(rng, 2, 6)), (_u(rng, 1800, 3000), 2.0, _u(rng, 1, 5))]
            + _rand_peaks(rng, 3, 200, 4000, (3, 10), (-4, 6)), hp=70.0, lp=lp)
    y = _mic(y, sr, rng)
    return _room(y, sr, rng, _u(rng, 0.3, 1.5), _u(rng, 0.0, 0.3))


@_model
def bagpipe(notes, n, sr, rng):
    """Chanter (bright nasal conical double reed, no dynamics, notes joined legato with grace
    notes) over constant drones (cylindrical: odd-harmonic buzz) on the tonic, an octave apart."""
    notes = sorted((float(s), float(d), int(p), int(vv)) for s, d, p, vv in notes)
    chant = []
    for i, (s, d, p, vv) in enumerate(notes):
        nxt = notes[i + 1][0] if i + 1 < len(notes) else None
        if nxt is not None and nxt > s and nxt - (s + d) < 0.6:
            d = nxt - s  # the chanter never stops between notes
        if rng.random() < 0.35 and s > 0.05:
            gd = _u(rng, 0.025, 0.045)
            chant.append((s - gd, gd, p + int(rng.choice([5, 7, 9, 10, 12])), 100))
        chant.append((s, d, p, 100))
    width = _u(rng, 0.25, 0.4)
    att, rel = 0.01, _u(rng, 0.03, 0.08)
    phases = rng.uniform(-0.4, 0.4, _TN // 2)

    def note(f, dur, v, L, slur=False):
        k = _harm(f, sr)
        a = (np.abs(np.sin(np.pi * k * width)) + 0.1) / k ** 0.8
        tab = _tables([a / _rms_amps(a)], phases)
        Lc, tc = _ctrl(L, sr)
        return _read(tab, _idx(f, L, sr, rng)) * _up(_asr(tc, dur, 0.004 if slur else att, rel), L)

    y = _render(chant, n, sr, note, rel, rel * 1.5, vel_levels=1, slur_gap=0.1, slur_rel=0.01)
    y = _player(y, sr, rng, 5.0, 0.0, jitter=_u(rng, 0.5, 1.5), drift=_u(rng, 1.0, 3.0))
    if len(notes):
        w = np.zeros(12)
        for s, d, p, _ in notes:
            w[p % 12] += d
        pc = int(np.argmax(w))
        tenor = 48 + (pc - 48) % 12
        t0 = int(min(s for s, *_ in notes) * sr)
        t1 = min(n, int((max(s + d for s, d, *_ in notes) + 0.3) * sr))
        L = max(0, t1 - max(t0, 0))
        if L > 0:
            Lc, tc = _ctrl(L, sr)
            env = _up(np.clip(tc / _u(rng, 0.2, 0.5), 0, 1) * np.clip((L / sr - tc) / 0.15, 0, 1), L)
            dr = np.zeros(L)
            for p, g, cents in ((tenor, 1.0, _u(rng, -2, 2)), (tenor, 1.0, _u(rng, -2, 2)), (tenor - 12, 0.8, 0.0)):
                f = 440.0 * 2 ** ((p - 69 + cents / 100) / 12)
                k = _harm(f, sr)
                a = np.where(k % 2 == 1, 1.0, 0.25) / k ** 0.9
                dr += g * _read(_tables([a / _rms_amps(a)], phases), _idx(f, L, sr, rng))
            y[max(t0, 0):t1] += _u(rng, 0.25, 0.5) * dr * env
    y = _eq(y, sr, [(_u(rng, 1000, 1500), 2.0, _u(rng, 4, 9)), (_u(rng, 2500, 3500), 3.0, _u(rng, 3, 7))],
            hp=80.0, lp=_u(rng, 6000, 9000))
    y = _mic(y, sr, rng)
    return _room(y, sr, rng, _u(rng, 0.3, 2.0), _u(rng, 0.0, 0.3))


# ================================================================== organs

_TW = 2.0 ** (np.round(12 * np.log2(_DRAWBARS)) / 12)  # tonewheel harmonics are equal-tempered
_EXTRA_REG = [[8, 8, 8, 8, 8, 8, 8, 8, 8], [8, 8, 8, 8, 6, 4, 2, 0, 0], [8, 8, 8, 6, 0, 0, 0, 0, 4],
              [6, 8, 8, 8, 0, 0, 0, 0, 8]]


def _leslie(y, sr, rng, mode):
    """Rotary speaker: horn (above ~800 Hz) and drum rotate at their own speeds -> Doppler (delay
    modulation) plus amplitude modulation; 'ramp' accelerates from chorale to tremolo mid-part."""
    n = y.size
    nc, fs_c = n // _CR + 3, sr / _CR
    lo = F.lowpass(y, sr, 800.0, 4)
    hi = y - lo
    tc = _arf(nc) / fs_c
    out = np.zeros(n)
    for band, slow, fast, acc, rad, amd in ((hi, 0.8, 6.7, 0.8, 0.00045, 0.35), (lo, 0.67, 5.8, 3.5, 0.0002, 0.15)):
        if mode == "slow":
            rate = np.full(nc, slow)
        elif mode == "fast":
            rate = np.full(nc, fast)
        else:
            t_sw = _u(rng, 0.2, 0.7) * tc[-1]
            x = np.clip((tc - t_sw) / acc, 0, 1)
            rate = slow + (fast - slow) * (1 - np.exp(-3 * x)) / (1 - np.exp(-3))
        ph = 2 * np.pi * (np.cumsum(rate * _u(rng, 0.97, 1.03)) / fs_c + rng.random())
        d = 1.0 + rad * sr * (1.0 + np.sin(ph))
        out += _delay_read(band, d) * _up(1.0 + amd * np.cos(ph), n)
    return out


@_model
def tonewheel_organ(notes, n, sr, rng, kind="drawbar"):
    """Tonewheel organ with leakage: tempered drawbar sines, per-key crosstalk from neighbouring
    tonewheels, constant faint generator hum, foldback, ragged key click, percussion (kind
    'percussive'), overdrive (kind 'rock') and a two-rotor Leslie (slow/fast/ramp/off)."""
    if kind == "drawbar" and rng.random() < 0.2:  # the plain additive organ voice, through a mic and room
        y = _mic(organ_synth(notes, n, sr, rng), sr, rng)
        return _room(y, sr, rng, _u(rng, 0.4, 1.6), _u(rng, 0.0, 0.3))
    if kind == "percussive":
        reg = [[8, 8, 8, 0, 0, 0, 0, 0, 0], [0, 0, 8, 0, 0, 0, 0, 0, 0], [8, 0, 8, 0, 0, 0, 0, 0, 0],
               [6, 0, 8, 8, 0, 0, 0, 0, 0]][int(rng.integers(4))]
    elif kind == "rock":
        reg = _EXTRA_REG[int(rng.integers(len(_EXTRA_REG)))]
    else:
        reg = _REGISTRATIONS[int(rng.integers(len(_REGISTRATIONS)))]
    reg = np.clip(np.array(reg, float) + rng.integers(-1, 2, 9) * (np.array(reg) > 0), 0, 8)
    gains = 10 ** ((reg - 8) * 3 / 20) * (reg > 0)
    perc = kind == "percussive" or rng.random() < 0.15
    perc_h = _TW[3] if rng.random() < 0.5 else _TW[4]  # 4' (2nd) or 2 2/3' (3rd harmonic)
    perc_dec = _u(rng, 0.15, 0.3) if rng.random() < 0.6 else _u(rng, 0.6, 1.2)
    perc_lv = _u(rng, 0.5, 1.2)
    click = _u(rng, 0.1, 0.5) if kind == "rock" else _u(rng, 0.02, 0.3)
    leak = _u(rng, -48.0, -30.0)

    def note(f, dur, v, L):
        comps = []
        for r, g in zip(_TW, gains):
            if g <= 0:
                continue
            fr = f * r
            while fr > 5900.0:  # the top tonewheels fold back an octave
                fr *= 0.5
            if fr < 32.0:  # lowest octave of the 16' folds up
                fr *= 2.0
            comps.append((fr / f, "sine", g, 0))
        for m in rng.choice([-24, -12, -7, -5, -1, 1, 5, 7, 12, 19, 24], int(rng.integers(2, 5)), replace=False):
            comps.append((2 ** (m / 12), "sine", gains.sum() * 10 ** ((leak + _u(rng, -6, 6)) / 20), 0))
        y = O.stack_loop(f, comps, L, sr, rng, 1.5)
        k = min(L, int(0.012 * sr))
        if k > 0:  # contacts close at slightly different times: ragged 1-3 ms onset and a click
            y[:k] *= np.clip(_arf(k) / (_u(rng, 0.001, 0.003) * sr), 0, 1) ** 0.5
            y[:k] += click * gains.sum() * 0.3 * _noise(k, sr, rng, lambda fr: _lb(fr, 3000.0, 1.5)) \
                * np.exp(-_arf(k) / (0.002 * sr))
        if perc and f * perc_h < 0.45 * sr:
            kp = min(L, int(perc_dec * 4 * sr))
            y[:kp] += perc_lv * gains.max() * np.sin(2 * np.pi * f * perc_h * _arf(kp) / sr) \
                * np.exp(-_arf(kp) / (perc_dec * sr))
        return y * (0.6 + 0.4 * v)

    y = render_poly(notes, n, sr, 0.05, note, cache_release=0.02, vel_levels=1)
    if rng.random() < 0.6 and n:  # the whole generator leaks faintly even between chords
        hum = O.stack_loop(440 * 2 ** ((int(rng.integers(30, 80)) - 69) / 12),
                           [(2 ** (int(m) / 12), "sine", 1.0, 0) for m in rng.integers(-24, 36, 8)], n, sr, rng, 2.0)
        y += hum * 10 ** (_u(rng, -60.0, -45.0) / 20) * (np.max(np.abs(y)) + 1e-9)
    drive = _u(rng, 1.5, 4.5) if kind == "rock" else _u(rng, 0.0, 0.8)
    if drive > 0.05:  # tube preamp: asymmetric soft clip
        b = _u(rng, 0.0, 0.2)
        y = F.saturate(y / (np.max(np.abs(y)) + 1e-9) + b, drive) - F.saturate(np.array([b]), drive)[0]
    modes = ["slow", "fast", "ramp", "off"]
    p = {"rock": [0.3, 0.4, 0.25, 0.05], "percussive": [0.3, 0.1, 0.1, 0.5]}.get(kind, [0.45, 0.2, 0.15, 0.2])
    mode = modes[int(rng.choice(4, p=p))]
    if mode != "off":
        y = _leslie(y, sr, rng, mode)
    y = _eq(y, sr, _rand_peaks(rng, 3, 150, 4000, (1, 4), (-4, 4)), hp=40.0, lp=_u(rng, 5000, 9000))
    y = _mic(y, sr, rng)
    return _room(y, sr, rng, _u(rng, 0.4, 1.6), _u(rng, 0.0, 0.3))


def _principal(k):
    return 1.0 / k ** 1.1 * (1.0 + 0.3 * (k == 2))


def _gedackt(k):
    return np.where(k % 2 == 1, 1.0, 0.03) / k ** 1.6


def _reed_pipe(k):
    return 1.0 / k ** 0.6


def _string_pipe(k):
    return 1.0 / k ** 0.8


_PIPE_REGS = {  # ranks: (footage ratio, voicing, level, detune cents)
    "flutes": [(1.0, _gedackt, 1.0, 0.0), (2.0, _gedackt, 0.5, 1.0)],
    "principal": [(1.0, _principal, 1.0, 0.0), (2.0, _principal, 0.6, 1.5), (4.0, _principal, 0.4, -1.0)],
    "plenum": [(0.5, _gedackt, 0.7, 0.0), (1.0, _principal, 1.0, 0.0), (2.0, _principal, 0.6, 1.5),
               (4.0, _principal, 0.45, -1.0), ("mix", _principal, 0.35, 0.5)],
    "full": [(0.5, _gedackt, 0.8, 0.0), (1.0, _principal, 1.0, 0.0), (1.0, _reed_pipe, 0.8, 2.0),
             (2.0, _principal, 0.6, 1.5), (4.0, _principal, 0.45, -1.0), ("mix", _principal, 0.4, 0.5)],
    "celeste": [(1.0, _string_pipe, 1.0, 0.0), (1.0, _string_pipe, 0.9, 6.0)],
}


@_model
def church_organ(notes, n, sr, rng):
    """Pipe organ: several ranks per key (8', 4', 2', 16' bourdon, mixture with breaks, reeds,
    celeste) in one FFT loop per key, each rank slightly off; slow speech with chiff (noisy
    overblown transient), wind noise, optional tremulant, big hall tail."""
    name = ["flutes", "principal", "plenum", "full", "celeste"][int(rng.choice(5, p=[0.2, 0.25, 0.25, 0.15, 0.15]))]
    ranks = _PIPE_REGS[name]
    chiff = _u(rng, 0.1, 0.6) * (1.5 if name == "flutes" else 1.0)
    wind = _u(rng, 0.005, 0.03)
    detune = _u(rng, 0.5, 1.5)
    top = _top(sr)

    def note(f, dur, v, L):
        comps = []
        for ratio, voice, lv, cents in ranks:
            rs = [3.0, 4.0, 6.0, 8.0] if ratio == "mix" else [ratio]
            for r in rs:
                while ratio == "mix" and f * r > 2500.0 and r > 2.0:  # mixture breaks back
                    r /= 2.0
                fr = f * r * 2 ** ((cents * detune + _u(rng, -0.7, 0.7)) / 1200)
                k = np.arange(1, max(1, int(top / fr)) + 1, dtype=float)
                amps = voice(k) * lv / (1.0 + (k * fr / 6000.0) ** 2)
                comps.append((fr, amps))
        M = O._fast_loop_len(f, sr, 1.5)
        spec = np.zeros(M // 2 + 1, dtype=np.complex128)
        for fr, amps in comps:
            bins = np.rint(fr * np.arange(1, amps.size + 1) * M / sr).astype(np.int64)
            ok = (bins > 0) & (bins < M // 2)
            np.add.at(spec, bins[ok], (amps * np.exp(2j * np.pi * rng.random(amps.size)))[ok] * (M / 2))
        loop = irfft(spec, M)
        loop /= np.sqrt(np.mean(loop * loop)) + 1e-12
        y = np.resize(np.roll(loop, -int(rng.integers(M))), L)
        Lc, tc = _ctrl(L, sr)
        att = np.clip(0.06 * (262.0 / f) ** 0.5, 0.02, 0.2) * _u(rng, 0.8, 1.3)  # big pipes speak slowly
        e = _asr(tc, dur, att, 0.08, smooth=True)
        ch = chiff * np.exp(-np.maximum(tc - 0.3 * att, 0) / _u(rng, 0.02, 0.05)) * np.minimum(1, tc / (0.3 * att))
        y *= _up(e, L)
        nz = _noise(L, sr, rng, lambda fr: _hb(fr, f, 0.1, [0.6, 1.0, 0.7, 0.5]) + 0.2 * _lb(fr, 3000.0, 1.5))
        y += nz * _up(wind * e + ch, L)
        return y * (0.5 + 0.5 * v)

    y = render_poly(notes, n, sr, 0.15, note, cache_release=0.08, vel_levels=1)
    if rng.random() < 0.2:  # tremulant: wind pressure wobble
        y = _player(y, sr, rng, _u(rng, 5.0, 7.0), _u(rng, 5.0, 12.0), am=_u(rng, 0.1, 0.25), wander=0.01)
    if rng.random() < 0.5 and n:  # blower hiss in the building
        y += 0.004 * (np.max(np.abs(y)) + 1e-9) * _noise(n, sr, rng, lambda fr: _lb(fr, 400.0, 2.0))
    y = _eq(y, sr, _rand_peaks(rng, 3, 100, 3000, (1, 3), (-4, 4)), hp=25.0, lp=_u(rng, 5000, 9000))
    y = _mic(y, sr, rng)
    return _room(y, sr, rng, _u(rng, 2.5, 5.0), _u(rng, 0.35, 0.7), predelay=(0.02, 0.06), damp=(2000.0, 4500.0))


# ================================================================== voices

_OOH = {  # 'ooh' formants: F1 ~300-400, F2 ~800-900
    "bass": ([330.0, 780.0, 2250.0, 2500.0, 2900.0], [50, 70, 110, 120, 130], [1.0, 0.35, 0.05, 0.04, 0.02]),
    "tenor": ([350.0, 820.0, 2400.0, 2700.0, 3100.0], [55, 75, 110, 120, 130], [1.0, 0.35, 0.06, 0.05, 0.02]),
    "alto": ([370.0, 850.0, 2600.0, 3200.0, 4000.0], [60, 80, 120, 130, 140], [1.0, 0.3, 0.05, 0.03, 0.01]),
    "soprano": ([390.0, 880.0, 2700.0, 3300.0, 4200.0], [60, 80, 120, 130, 140], [1.0, 0.3, 0.05, 0.03, 0.01]),
}


@_model
def choir(notes, n, sr, rng, vowel="aah"):
    """Choir 'aah' / 'ooh': glottal-source tables (spectral tilt with loudness), aspiration noise,
    a random number of singers (own vibrato, intonation drift, timing), male and female formant
    sets for the low and high notes, room."""
    if vowel == "aah" and rng.random() < 0.2:  # the existing additive 'aah' voice, in a room
        return _room(vocal_aah(notes, n, sr, rng), sr, rng, _u(rng, 1.2, 3.0), _u(rng, 0.2, 0.45))
    table = _AAH if vowel == "aah" else _OOH
    tilt_l, tilt_s = _u(rng, 0.9, 1.3), _u(rng, 1.6, 2.2)
    breath = _u(rng, 0.02, 0.12)
    att, rel = _u(rng, 0.08, 0.4), _u(rng, 0.2, 0.7)
    singers = int(rng.integers(1, 7)) if vowel == "ooh" else int(rng.integers(3, 9))
    shift = _u(rng, 0.93, 1.07)
    phases = rng.uniform(-0.3, 0.3, _TN // 2)

    def note(f, dur, v, L):
        k = _harm(f, sr)
        loud, soft = k ** -tilt_l, k ** -tilt_s
        g = 1.0 / _rms_amps(loud)
        tabs = _tables([soft * g, loud * g], phases)
        Lc, tc = _ctrl(L, sr)
        e = _asr(tc, dur, att, rel, smooth=True)
        y = _read(tabs, _idx(f, L, sr, rng), _up(np.clip((0.3 + 0.7 * v) * e, 0, 1), L))
        nz = _noise(L, sr, rng, lambda fr: _lb(fr, 2500.0, 1.5)) * (1.0 + 0.4 * y)
        y += breath * nz
        return y * _up(e, L) * (0.3 + 0.7 * v)

    out = np.zeros(n)
    groups = [[nt for nt in notes if nt[2] < 60], [nt for nt in notes if nt[2] >= 60]]
    for gi, grp in enumerate(groups):
        if not grp:
            continue
        x = render_poly(grp, n, sr, rel * 1.3, note, cache_release=rel)
        mp = _mean_pitch(grp)
        kind = ("bass" if mp < 50 else "tenor") if gi == 0 else ("alto" if mp < 67 else "soprano")
        if singers == 1:
            nc = n // _CR + 3
            x = _player(x, sr, rng, _u(rng, 4.8, 6.2), _u(rng, 15, 40),
                        _onset_depth(grp, nc, sr / _CR, 0.25, 0.4), jitter=1.5, drift=3.0, am=0.1)
        else:
            x = _section(x, sr, rng, singers, rate=(4.5, 6.2), depth=(10.0, 35.0), drift=(4.0, 14.0),
                         spread_s=0.04, jitter=1.0)
        fr, bw, gn = table[kind]
        y = F.formant_bank(x, sr, [q * shift for q in fr], bw, gn)
        y += _u(rng, 0.1, 0.3) * F.lowpass(x, sr, fr[0] * shift * 1.2, 2)  # low source partials
        out += y
    out = _eq(out, sr, (), hp=70.0)
    out = _mic(out, sr, rng)
    return _room(out, sr, rng, _u(rng, 1.2, 3.0), _u(rng, 0.2, 0.45), predelay=(0.01, 0.04))


# ================================================================== registry

MODELS = {
    "violin": partial(bowed_solo, kind="violin"),
    "viola": partial(bowed_solo, kind="viola"),
    "cello": partial(bowed_solo, kind="cello"),
    "contrabass": partial(bowed_solo, kind="contrabass"),
    "fiddle": partial(bowed_solo, kind="fiddle"),
    "tremolo_strings": partial(string_section, style="tremolo"),
    "string_ensemble": partial(string_section, style="ensemble"),
    "slow_strings": partial(string_section, style="slow"),
    "trumpet": partial(brass_solo, kind="trumpet"),
    "muted_trumpet": partial(brass_solo, kind="muted_trumpet"),
    "trombone": partial(brass_solo, kind="trombone"),
    "tuba": partial(brass_solo, kind="tuba"),
    "french_horn": partial(brass_solo, kind="french_horn"),
    "brass_section": brass_section,
    "flute": partial(flute_family, kind="flute"),
    "piccolo": partial(flute_family, kind="piccolo"),
    "recorder": partial(flute_family, kind="recorder"),
    "pan_flute": partial(flute_family, kind="pan_flute"),
    "shakuhachi": partial(flute_family, kind="shakuhachi"),
    "whistle": partial(flute_family, kind="whistle"),
    "ocarina": partial(flute_family, kind="ocarina"),
    "clarinet": clarinet,
    "oboe": partial(reed, kind="oboe"),
    "bassoon": partial(reed, kind="bassoon"),
    "soprano_sax": partial(reed, kind="soprano_sax"),
    "alto_sax": partial(reed, kind="alto_sax"),
    "tenor_sax": partial(reed, kind="tenor_sax"),
    "baritone_sax": partial(reed, kind="baritone_sax"),
    "harmonica": harmonica,
    "accordion": accordion,
    "bagpipe": bagpipe,
    "drawbar_organ": partial(tonewheel_organ, kind="drawbar"),
    "percussive_organ": partial(tonewheel_organ, kind="percussive"),
    "rock_organ": partial(tonewheel_organ, kind="rock"),
    "church_organ": church_organ,
    "choir_aahs": partial(choir, vowel="aah"),
    "voice_oohs": partial(choir, vowel="ooh"),
}
