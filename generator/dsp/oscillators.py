"""Band-limited oscillators and noise sources.

Every oscillator takes a per-sample frequency array (Hz, shape (n,)) so vibrato, glide and pitch
envelopes come for free; phase is the running sum of f/sr. Saw and pulse use polyBLEP corrections
so bright notes do not alias harshly; the triangle is left naive on purpose (1/n^2 harmonics).
"""

from __future__ import annotations

import numpy as np


def midi_to_hz(pitch: float | np.ndarray) -> float | np.ndarray:
    return 440.0 * 2.0 ** ((np.asarray(pitch, dtype=np.float64) - 69.0) / 12.0)


def phase_from_freq(freq: np.ndarray, sr: int, phase0: float = 0.0) -> np.ndarray:
    """Phase in cycles in [0, 1), shape (n,)."""
    ph = np.cumsum(np.asarray(freq, dtype=np.float64) / sr) + phase0
    return ph - np.floor(ph)


def _blep_fix(out: np.ndarray, ph: np.ndarray, dt: np.ndarray, scale: np.ndarray | float = 1.0) -> np.ndarray:
    """Subtract polyBLEP residuals around each wrap of `ph` (a phase in [0,1)), in place.

    For dt < 0.5 the 2-sample polyBLEP touches exactly the sample before and after a wrap, so we
    locate wraps once instead of masking the whole array twice.
    """
    if ph.size < 2:
        return out
    idx = np.flatnonzero(ph[1:] < ph[:-1]) + 1
    if idx.size == 0:
        return out
    dtb = np.broadcast_to(dt, ph.shape)
    d_after = np.clip(dtb[idx], 1e-9, 0.5)
    d_before = np.clip(dtb[idx - 1], 1e-9, 0.5)
    s = np.broadcast_to(scale, ph.shape)
    u = np.minimum(ph[idx] / d_after, 1.0)
    out[idx] -= s[idx] * (u + u - u * u - 1.0)
    v = np.maximum((ph[idx - 1] - 1.0) / d_before, -1.0)
    out[idx - 1] -= s[idx - 1] * (v * v + v + v + 1.0)
    return out


def saw_from_phase(ph: np.ndarray, dt: np.ndarray) -> np.ndarray:
    return _blep_fix(2.0 * ph - 1.0, ph, dt)


def saw(freq: np.ndarray, sr: int, phase0: float = 0.0) -> np.ndarray:
    freq = np.asarray(freq, dtype=np.float64)
    return saw_from_phase(phase_from_freq(freq, sr, phase0), freq / sr)


def pulse(freq: np.ndarray, sr: int, width: float | np.ndarray = 0.5, phase0: float = 0.0) -> np.ndarray:
    """Band-limited pulse as the difference of two saws; zero DC for any width."""
    freq = np.asarray(freq, dtype=np.float64)
    dt = freq / sr
    ph = phase_from_freq(freq, sr, phase0)
    ph2 = ph + np.asarray(width)
    ph2 = ph2 - np.floor(ph2)
    return 0.5 * (saw_from_phase(ph, dt) - saw_from_phase(ph2, dt))


def triangle(freq: np.ndarray, sr: int, phase0: float = 0.0) -> np.ndarray:
    ph = phase_from_freq(freq, sr, phase0)
    return 4.0 * np.abs(ph - 0.5) - 1.0


def sine(freq: np.ndarray, sr: int, phase0: float = 0.0) -> np.ndarray:
    return np.sin(2.0 * np.pi * phase_from_freq(freq, sr, phase0))


def sync_saw(master_freq: np.ndarray, ratio: np.ndarray, sr: int, phase0: float = 0.0) -> np.ndarray:
    """Hard-synced saw: a slave saw at master_freq*ratio reset on every master cycle.

    BLEP corrections at the slave's own wraps and, scaled by the jump height, at master resets.
    """
    master_freq = np.asarray(master_freq, dtype=np.float64)
    ratio = np.broadcast_to(np.asarray(ratio, dtype=np.float64), master_freq.shape)
    dt = master_freq / sr
    mph = phase_from_freq(master_freq, sr, phase0)
    sp = mph * ratio
    sph = sp - np.floor(sp)
    out = _blep_fix(2.0 * sph - 1.0, sph, dt * ratio)
    # The jump at a master reset is from (2*frac(ratio)-1) down to -1: height 2*frac(ratio) of a full 2.
    # _blep_fix above already treated those samples as full-height wraps; add back the difference.
    h = ratio - np.ceil(ratio) + 1.0  # frac(ratio) approached from below: an integer ratio jumps fully
    _blep_fix(out, mph, dt, h - 1.0)
    return out


def supersaw(freq: np.ndarray, sr: int, rng: np.random.Generator, voices: int = 7,
             detune_cents: float = 15.0) -> np.ndarray:
    """Sum of detuned saws with random phases (the JP-8000 / string-machine ensemble)."""
    freq = np.asarray(freq, dtype=np.float64)
    out = np.zeros(freq.shape)
    offs = np.linspace(-1.0, 1.0, voices) if voices > 1 else np.zeros(1)
    for o in offs:
        f = freq * 2.0 ** (o * detune_cents * rng.uniform(0.7, 1.0) / 1200.0)
        out += saw(f, sr, rng.random())
    return out / np.sqrt(voices)


def partials_fft(freqs, amps, L: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    """Static sum of sines (random phases) via one inverse FFT, shape (L,).

    Frequencies snap to the sr/L grid; the result is L-periodic, so multiply by a decay envelope.
    Much cheaper than many np.sin calls for the dense partial clusters of cymbals and hats.
    """
    L = int(L)
    if L < 2:
        return np.zeros(max(L, 0))
    spec = np.zeros(L // 2 + 1, dtype=np.complex128)
    bins = np.rint(np.asarray(freqs, dtype=np.float64) * L / sr).astype(np.int64)
    amps = np.broadcast_to(np.asarray(amps, dtype=np.float64), bins.shape)
    ok = (bins > 0) & (bins < L // 2)
    ph = np.exp(2j * np.pi * rng.random(bins.shape))
    np.add.at(spec, bins[ok], (amps * ph)[ok] * (L / 2))
    return np.fft.irfft(spec, L)


def square_partials(f0s, sr: int):
    """Odd-harmonic (square-wave) partial lists for a set of fundamentals, band-limited to 0.45*sr."""
    fs, am = [], []
    for f0 in np.atleast_1d(f0s):
        k = np.arange(1, int(0.45 * sr / f0) + 1, 2)
        fs.append(f0 * k)
        am.append(4 / np.pi / k)
    return np.concatenate(fs), np.concatenate(am)


def _fast_loop_len(f: float, sr: int, min_s: float) -> int:
    """An FFT-friendly (5-smooth) length >= min_s seconds holding a near-integer number of cycles of f."""
    from scipy.fft import next_fast_len
    best, best_err = None, 1.0
    L = next_fast_len(int(min_s * sr))
    for _ in range(40):
        cyc = f * L / sr
        err = abs(cyc - round(cyc))
        if err < best_err:
            best, best_err = L, err
        if err < 0.01:
            break
        L = next_fast_len(L + 1)
    return best


def stack_loop(f: float, components, L: int, sr: int, rng: np.random.Generator, min_loop_s: float = 3.0,
               max_hz: float | None = None) -> np.ndarray:
    """Band-limited static oscillator stack built in the frequency domain, read as a loop, shape (L,).

    components: iterable of (ratio, shape, amp, width) with shape in saw/pulse/triangle/sine; ratio
    may carry detune (e.g. 2**(7/1200)). One inverse FFT replaces a whole detuned supersaw; the loop
    length is chosen so the fundamental falls exactly on an FFT bin (no pitch error), detuned
    components snap to within sr/(2*loop) Hz. Coherent harmonic phases keep each waveform's shape.
    """
    from scipy.fft import irfft
    M = _fast_loop_len(f, sr, min_loop_s)
    top = min(0.45 * sr, max_hz or sr)
    spec = np.zeros(M // 2 + 1, dtype=np.complex128)
    for ratio, shape, amp, width in components:
        f0 = f * ratio
        if f0 <= 0 or f0 >= top:
            continue
        k = np.arange(1, int(top / f0) + 1, dtype=np.float64)
        if shape == "saw":
            a = 2.0 / (np.pi * k)
        elif shape == "pulse":
            a = 4.0 / (np.pi * k) * np.sin(np.pi * k * width) / 2.0
        elif shape == "triangle":
            a = np.where(k % 2 == 1, 8.0 / (np.pi ** 2 * k ** 2), 0.0)
        else:  # sine
            k, a = k[:1], np.ones(1)
        phi = rng.random()
        bins = np.rint(f0 * k * M / sr).astype(np.int64)
        ok = (bins > 0) & (bins < M // 2)
        # sine-series phases k*phi keep the waveform (saw ramps, pulse edges) coherent
        np.add.at(spec, bins[ok], (amp * a * np.exp(1j * (2 * np.pi * k * phi - np.pi / 2)))[ok] * (M / 2))
    loop = irfft(spec, M)
    start = int(rng.integers(0, M))
    idx = (start + np.arange(L)) % M
    return loop[idx]


def white(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal(n)


def pink(n: int, rng: np.random.Generator) -> np.ndarray:
    """Pink (1/f) noise by spectral shaping, unit RMS."""
    if n <= 1:
        return rng.standard_normal(n)
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(spec.size, dtype=np.float64)
    f[0] = 1.0
    spec /= np.sqrt(f)
    spec[0] = 0.0
    x = np.fft.irfft(spec, n)
    return x / (np.std(x) + 1e-12)


def brown(n: int, rng: np.random.Generator) -> np.ndarray:
    """Brown (1/f^2) noise, leaky-integrated white, unit RMS."""
    from scipy.signal import lfilter
    x = lfilter([1.0], [1.0, -0.997], rng.standard_normal(n))
    x -= x.mean() if n else 0.0
    return x / (np.std(x) + 1e-12)


_LFSR_CACHE: dict[bool, np.ndarray] = {}


def _lfsr_sequence(short: bool) -> np.ndarray:
    """One full period of the NES noise LFSR (+-1), computed once per mode."""
    if short not in _LFSR_CACHE:
        period = 93 if short else 32767
        tap = 6 if short else 1
        reg = 1
        bits = np.empty(period, dtype=np.float64)
        for i in range(period):
            fb = (reg & 1) ^ ((reg >> tap) & 1)
            reg = (reg >> 1) | (fb << 14)
            bits[i] = 1.0 if (reg & 1) else -1.0
        _LFSR_CACHE[short] = bits
    return _LFSR_CACHE[short]


def lfsr_noise(freq_hz: float | np.ndarray, n: int, sr: int, rng: np.random.Generator,
               short: bool = False) -> np.ndarray:
    """NES-style 15-bit LFSR noise clocked at freq_hz, sample-and-held to sr (+-1 values).

    short=True is the 93-step "metallic" mode. freq_hz may be per-sample (pitch sweeps).
    """
    seq = _lfsr_sequence(short)
    clock = np.cumsum(np.broadcast_to(np.asarray(freq_hz, dtype=np.float64), (n,)) / sr)
    idx = (clock.astype(np.int64) + int(rng.integers(0, seq.size))) % seq.size
    return seq[idx]
