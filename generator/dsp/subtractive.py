"""Analog-style subtractive voices: oscillators -> resonant filter -> VCA.

Each voice draws a fresh patch from rng per call (cutoffs, envelopes, detune, drive ...) within
ranges typical of the hardware it imitates, so repeated calls give timbre variety.
Voice functions: fn(notes, n, sr, rng) -> float64 (n,), un-normalised.
"""

from __future__ import annotations

import numpy as np

from . import filters as F
from . import oscillators as O
from .common import render_poly, vel_01
from .envelopes import adsr, exp_decay, lfo
from .pads import evolving_pad, saw_pad, string_pad, warm_pad


def _vibrato(length: int, sr: int, rng, depth_cents: float, rate: float, delay_s: float) -> np.ndarray:
    t = np.arange(length) / sr
    ramp = np.clip((t - delay_s) / 0.3, 0.0, 1.0)
    return 2.0 ** (depth_cents * ramp * lfo(length, sr, rate, rng.random()) / 1200.0)


# ---------------------------------------------------------------- basses
def acid_bass(notes, n, sr, rng):
    """TB-303 style monophonic line: saw/square, resonant 24 dB filter, decay env, accent, slide."""
    wave = "saw" if rng.random() < 0.65 else "square"
    base_fc = rng.uniform(150, 700)
    env_oct = rng.uniform(1.5, 4.5)
    res = rng.uniform(0.55, 0.93)
    decay = rng.uniform(0.12, 0.6)
    accent_p = rng.uniform(0.1, 0.35)
    slide_p = rng.uniform(0.1, 0.35)
    drive = rng.choice([0.0, 0.0, rng.uniform(1, 6)])
    notes = sorted(notes, key=lambda x: (x[0], x[2]))
    # Monophonic: among notes starting together keep the lowest.
    mono = []
    for nt in notes:
        if mono and abs(nt[0] - mono[-1][0]) < 1e-4:
            continue
        mono.append(nt)
    semis = np.full(n, float(mono[0][2]) if mono else 36.0)
    fenv = np.zeros(n)
    amp = np.zeros(n)
    slide_n = int(rng.uniform(0.045, 0.08) * sr)
    # Decide accents and slides first: a slide holds the previous note's gate open into the next.
    acc = [vel >= 100 or rng.random() < accent_p for _, _, _, vel in mono]
    slide = [False] + [(mono[i][0] < mono[i - 1][0] + mono[i - 1][1] - 1e-3 or rng.random() < slide_p)
                       and mono[i][0] - (mono[i - 1][0] + mono[i - 1][1]) < 0.05 for i in range(1, len(mono))]
    amp_decay = rng.uniform(1.0, 3.0)
    for i, (start, dur, pitch, vel) in enumerate(mono):
        s = max(0, int(round(start * sr)))
        if s >= n:
            break
        nxt = int(round(mono[i + 1][0] * sr)) if i + 1 < len(mono) else n
        e = min(n, max(nxt, s + 1))
        seg = e - s
        semis[s:e] = pitch
        t = np.arange(seg) / sr
        d = decay * (0.45 if acc[i] else 1.0)
        last_f = fenv[s - 1] if s > 0 else 0.0
        last_a = amp[s - 1] if s > 0 else 0.0
        target = (1.35 if acc[i] else 1.0) * (0.55 + 0.45 * vel_01(vel))
        if slide[i]:
            prev_pitch = mono[i - 1][2]
            k = min(slide_n, seg)
            semis[s:s + k] = prev_pitch + (pitch - prev_pitch) * (1 - np.exp(-5 * np.arange(k) / max(k, 1)))
            fenv[s:e] = last_f * np.exp(-4.0 * t / d)  # tied: the envelope keeps decaying
            a = target * np.exp(-t / amp_decay)
            k = min(seg, int(0.005 * sr))
            a[:k] = last_a + (a[:k] - last_a) * np.linspace(0.0, 1.0, k)
        else:
            fenv[s:e] = (1.6 if acc[i] else 1.0) * np.exp(-4.0 * t / d)
            k = min(seg, int(0.004 * sr))  # the envelope rises over ~4 ms: no filter-jump click
            fenv[s:s + k] = last_f + (fenv[s:s + k] - last_f) * np.linspace(0.0, 1.0, k)
            a = target * np.exp(-t / amp_decay)
            k = min(seg, int(0.003 * sr))  # ~3 ms VCA attack
            a[:k] = last_a + (a[:k] - last_a) * np.linspace(0.0, 1.0, k)
        tied_next = i + 1 < len(mono) and slide[i + 1]
        gate_n = seg if tied_next else int(max(dur, 0.02) * sr)
        if gate_n < seg:
            a[gate_n:] *= np.exp(-np.arange(seg - gate_n) / (0.008 * sr))
        amp[s:e] = a
    freq = O.midi_to_hz(semis)
    osc = O.saw(freq, sr, rng.random()) if wave == "saw" else O.pulse(freq, sr, rng.uniform(0.42, 0.5), rng.random())
    fc = base_fc * 2.0 ** (env_oct * np.clip(fenv, 0, 2))
    # the 303 filter tracks the key a little
    fc *= (freq / 110.0) ** 0.25
    fc = np.minimum(fc, rng.uniform(5000, 10000))  # the 303 filter tops out well below Nyquist
    y = F.ladder(osc, sr, fc, res, block=32, drive=drive * 0.3)
    y *= amp
    if drive > 0:
        y = F.saturate(y * 2.0, drive)
    return F.highpass(y, sr, 30.0)


def analog_bass(notes, n, sr, rng):
    shape = rng.choice(["saw", "square", "saw+sub", "saw+saw"])
    base = rng.uniform(120, 700)
    env_oct = rng.uniform(0.5, 3.5)
    res = rng.uniform(0.0, 0.55)
    fdec = rng.uniform(0.08, 0.6)
    a, d, s_, r = rng.uniform(0.001, 0.01), rng.uniform(0.1, 1.0), rng.uniform(0.4, 1.0), rng.uniform(0.03, 0.2)
    drive = rng.uniform(0, 2.5)
    det = rng.uniform(3, 12)

    def note(f, dur, v, L):
        fr = np.full(L, f)
        if shape == "saw":
            x = O.saw(fr, sr, rng.random())
        elif shape == "square":
            x = O.pulse(fr, sr, rng.uniform(0.35, 0.5), rng.random())
        elif shape == "saw+sub":
            x = O.saw(fr, sr, rng.random()) + 0.7 * O.pulse(fr * 0.5, sr, 0.5, rng.random())
        else:
            x = O.saw(fr, sr, rng.random()) + O.saw(fr * 2 ** (det / 1200), sr, rng.random())
        fc = base * 2 ** (env_oct * (0.5 + 0.5 * v) * exp_decay(L, sr, fdec, 4.0)) * (f / 80.0) ** 0.3
        y = F.ladder(x, sr, fc, res, block=64, drive=drive)
        return y * adsr(L, sr, dur, a, d, s_, r) * (0.4 + 0.6 * v)

    return render_poly(notes, n, sr, r * 1.5, note, cache_release=r)


def sub_bass(notes, n, sr, rng):
    """Clean sub: sine with a touch of 2nd/3rd harmonic and optional soft clip."""
    h2, h3 = rng.uniform(0, 0.25), rng.uniform(0, 0.12)
    drive = rng.choice([0.0, rng.uniform(0.2, 1.5)])
    a, r = rng.uniform(0.002, 0.02), rng.uniform(0.04, 0.25)

    def note(f, dur, v, L):
        ph = O.phase_from_freq(np.full(L, f), sr, rng.random()) * 2 * np.pi
        x = np.sin(ph) + h2 * np.sin(2 * ph) + h3 * np.sin(3 * ph)
        if drive:
            x = F.saturate(x, drive)
        return x * adsr(L, sr, dur, a, 0.3, 0.9, r) * (0.4 + 0.6 * v)

    return render_poly(notes, n, sr, r * 1.5, note, cache_release=r)


def bass_808(notes, n, sr, rng):
    """TR-808 kick-as-bass: sine with a pitch drop at onset, long decay, often saturated."""
    drop = rng.uniform(3, 14)
    drop_t = rng.uniform(0.015, 0.07)
    decay = rng.uniform(0.5, 2.5)
    drive = rng.choice([0.0, rng.uniform(0.5, 2.0), rng.uniform(2.0, 6.0)])
    click = rng.uniform(0.0, 0.4)
    glide_p = rng.uniform(0.0, 0.3)
    prev = [None]

    def note(f, dur, v, L):
        t = np.arange(L) / sr
        semis = drop * np.exp(-t / drop_t)
        if prev[0] is not None and rng.random() < glide_p:  # trap-style pitch glide into the note
            semis = semis + 12 * np.log2(prev[0] / f) * np.exp(-t / rng.uniform(0.04, 0.12))
        prev[0] = f
        fr = f * 2 ** (semis / 12)
        x = O.sine(fr, sr, 0.0)
        env = np.exp(-6.9 * t / decay)
        gate = int(dur * sr)
        if gate < L:
            env[gate:] *= np.exp(-np.arange(L - gate) / (0.03 * sr))
        x = x * env
        if drive:
            x = F.saturate(x * (0.5 + 0.5 * v), drive)
        if click:
            k = min(L, int(0.004 * sr))
            x[:k] += click * O.white(k, rng) * np.linspace(1, 0, k)
        return x * (0.4 + 0.6 * v)

    return render_poly(notes, n, sr, 0.05, note)


def reese_bass(notes, n, sr, rng):
    """Drum-and-bass Reese: detuned saws beating, lowpassed, slow filter movement."""
    det = rng.uniform(8, 30)
    nvo = int(rng.integers(2, 4))
    fc0 = rng.uniform(250, 1400)
    res = rng.uniform(0.1, 0.5)
    rate = rng.uniform(0.1, 1.2)
    depth = rng.uniform(0.2, 1.5)
    drive = rng.uniform(0.5, 4)
    a, r = rng.uniform(0.003, 0.05), rng.uniform(0.05, 0.3)

    def note(f, dur, v, L):
        fr = np.full(L, f)
        x = sum(O.saw(fr * 2 ** (det * (k - (nvo - 1) / 2) / 1200), sr, rng.random()) for k in range(nvo))
        x = x + 0.5 * O.sine(fr * 0.5, sr)
        fc = fc0 * 2 ** (depth * lfo(L, sr, rate, rng.random()))
        y = F.ladder(x, sr, fc, res, block=64, drive=drive)
        return y * adsr(L, sr, dur, a, 0.5, 0.9, r) * (0.5 + 0.5 * v)

    return render_poly(notes, n, sr, r * 1.5, note, cache_release=r)


# ---------------------------------------------------------------- leads
def saw_lead(notes, n, sr, rng):
    nvo = int(rng.integers(1, 4))
    det = rng.uniform(4, 20)
    fc0 = rng.uniform(900, 5000)
    env_oct = rng.uniform(0, 2.5)
    res = rng.uniform(0.05, 0.6)
    vib = rng.uniform(0, 25)
    rate = rng.uniform(4.5, 6.5)
    a, d, s_, r = rng.uniform(0.002, 0.03), rng.uniform(0.1, 0.6), rng.uniform(0.5, 1), rng.uniform(0.05, 0.4)
    drive = rng.uniform(0, 2)

    def note(f, dur, v, L):
        fr = f * _vibrato(L, sr, rng, vib, rate, rng.uniform(0.1, 0.4))
        x = sum(O.saw(fr * 2 ** (det * (k - (nvo - 1) / 2) / 1200), sr, rng.random()) for k in range(nvo))
        fc = fc0 * 2 ** (env_oct * v * exp_decay(L, sr, d, 4.0))
        y = F.ladder(x, sr, fc, res, drive=drive)
        return y * adsr(L, sr, dur, a, d, s_, r) * (0.4 + 0.6 * v)

    return render_poly(notes, n, sr, r * 1.5, note, cache_release=r)


def square_lead(notes, n, sr, rng):
    pw = rng.uniform(0.2, 0.5)
    pwm = rng.uniform(0, 0.2)
    pwm_rate = rng.uniform(0.3, 5)
    fc0 = rng.uniform(1200, 7000)
    res = rng.uniform(0.0, 0.5)
    vib = rng.uniform(0, 30)
    a, d, s_, r = rng.uniform(0.002, 0.02), rng.uniform(0.1, 0.5), rng.uniform(0.6, 1), rng.uniform(0.05, 0.3)
    sub = rng.uniform(0, 0.5)

    def note(f, dur, v, L):
        fr = f * _vibrato(L, sr, rng, vib, rng.uniform(4.5, 6.5), 0.2)
        w = np.clip(pw + pwm * lfo(L, sr, pwm_rate, rng.random()), 0.05, 0.5)
        x = O.pulse(fr, sr, w, rng.random()) + sub * O.pulse(fr * 0.5, sr, 0.5)
        y = F.ladder(x, sr, fc0 * (0.6 + 0.4 * v), res)
        return y * adsr(L, sr, dur, a, d, s_, r) * (0.4 + 0.6 * v)

    return render_poly(notes, n, sr, r * 1.5, note, cache_release=r)


def sync_lead(notes, n, sr, rng):
    """Hard-sync lead: slave ratio swept by an envelope (the classic tearing 'Cars'-style sound)."""
    r0 = rng.uniform(1.2, 2.5)
    r1 = rng.uniform(2.5, 7.0)
    sweep = rng.uniform(0.05, 0.8)
    lfo_amt = rng.uniform(0, 0.8)
    fc0 = rng.uniform(2500, 9000)
    a, d, s_, r = rng.uniform(0.002, 0.01), rng.uniform(0.1, 0.5), rng.uniform(0.6, 1), rng.uniform(0.05, 0.3)

    def note(f, dur, v, L):
        fr = f * _vibrato(L, sr, rng, rng.uniform(0, 20), 5.5, 0.25)
        ratio = r0 + (r1 - r0) * exp_decay(L, sr, sweep, 4.0) + lfo_amt * (1 + lfo(L, sr, rng.uniform(0.2, 3)))
        x = O.sync_saw(fr, ratio, sr, rng.random())
        y = F.lowpass(x, sr, fc0)
        return y * adsr(L, sr, dur, a, d, s_, r) * (0.4 + 0.6 * v)

    return render_poly(notes, n, sr, r * 1.5, note, cache_release=r)


# ---------------------------------------------------------------- plucks, stabs, brass
def pluck(notes, n, sr, rng):
    shape = rng.choice(["saw", "square", "saw2"])
    fc0 = rng.uniform(200, 900)
    env_oct = rng.uniform(2.0, 5.0)
    fdec = rng.uniform(0.05, 0.3)
    adec = rng.uniform(0.15, 0.9)
    res = rng.uniform(0.1, 0.6)

    def note(f, dur, v, L):
        fr = np.full(L, f)
        if shape == "saw":
            x = O.saw(fr, sr, rng.random())
        elif shape == "square":
            x = O.pulse(fr, sr, rng.uniform(0.25, 0.5), rng.random())
        else:
            x = O.saw(fr, sr, rng.random()) + O.saw(fr * 1.004, sr, rng.random())
        fc = fc0 * 2 ** (env_oct * (0.5 + 0.5 * v) * exp_decay(L, sr, fdec, 5.0))
        y = F.ladder(x, sr, fc, res)
        return y * adsr(L, sr, dur, 0.001, adec, 0.0, 0.1, curve=5.0) * (0.4 + 0.6 * v)

    return render_poly(notes, n, sr, 0.15, note, cache_release=0.1, max_len_s=adec * 1.1 + 0.05)


def stab(notes, n, sr, rng):
    det = rng.uniform(5, 20)
    fc0 = rng.uniform(600, 2500)
    env_oct = rng.uniform(1.0, 3.0)
    dec = rng.uniform(0.12, 0.5)
    res = rng.uniform(0.0, 0.5)
    organish = rng.random() < 0.3

    def note(f, dur, v, L):
        if organish:
            x = O.stack_loop(f, [(1.0, "pulse", 1.0, 0.5), (2.0, "pulse", 0.5, 0.5)], L, sr, rng, 1.0)
        else:
            x = O.stack_loop(f, [(1.0, "saw", 1.0, 0), (2 ** (det / 1200), "saw", 1.0, 0)], L, sr, rng, 1.0)
        fc = fc0 * 2 ** (env_oct * exp_decay(L, sr, dec, 4.0))
        y = F.ladder(x, sr, fc, res)
        return y * adsr(L, sr, min(dur, dec), 0.002, dec, 0.2, 0.08) * (0.4 + 0.6 * v)

    return render_poly(notes, n, sr, 0.15, note, cache_release=0.08, max_len_s=dec * 1.6 + 0.3)


def brass_synth(notes, n, sr, rng):
    """Synth brass: filter opens with a slowish attack then settles; saws with slight detune."""
    det = rng.uniform(3, 12)
    fa = rng.uniform(0.03, 0.15)
    fc0 = rng.uniform(300, 900)
    env_oct = rng.uniform(1.5, 3.5)
    sus = rng.uniform(0.4, 0.8)
    a, r = rng.uniform(0.01, 0.08), rng.uniform(0.08, 0.4)

    def note(f, dur, v, L):
        fr = f * _vibrato(L, sr, rng, rng.uniform(0, 15), rng.uniform(4.5, 6), 0.3)
        x = O.saw(fr, sr, rng.random()) + O.saw(fr * 2 ** (det / 1200), sr, rng.random())
        fe = adsr(L, sr, dur, fa, rng.uniform(0.2, 0.6), sus, r)
        y = F.ladder(x, sr, fc0 * 2 ** (env_oct * (0.6 + 0.4 * v) * fe) * (f / 220) ** 0.5, 0.15)
        return y * adsr(L, sr, dur, a, 0.3, 0.85, r) * (0.4 + 0.6 * v)

    return render_poly(notes, n, sr, 0.5, note, cache_release=r)


def wobble_bass(notes, n, sr, rng):
    """Dubstep/brostep wobble: detuned saws + sub through a resonant filter swept by a tempo-synced
    LFO (retriggered per note), heavily driven."""
    bpm = rng.uniform(70, 150)
    rate = bpm / 60 * float(rng.choice([0.5, 1, 1.5, 2, 3, 4]))
    lo, depth = rng.uniform(120, 400), rng.uniform(2.0, 4.5)
    res = rng.uniform(0.3, 0.75)
    det = rng.uniform(5, 20)
    drive = rng.uniform(1.5, 6)
    shape = rng.choice(["sine", "triangle"])

    def note(f, dur, v, L):
        fr = np.full(L, f)
        x = O.saw(fr, sr, rng.random()) + O.saw(fr * 2 ** (det / 1200), sr, rng.random()) \
            + 0.8 * O.pulse(fr * 0.5, sr, 0.5, rng.random())
        m = 0.5 + 0.5 * lfo(L, sr, rate, 0.75, shape)  # starts closed
        y = F.ladder(x, sr, lo * 2 ** (depth * m), res, block=64, drive=drive)
        return F.saturate(y, drive * 0.5) * adsr(L, sr, dur, 0.003, 0.2, 1.0, 0.05) * (0.5 + 0.5 * v)

    return render_poly(notes, n, sr, 0.08, note, cache_release=0.05)


def hoover(notes, n, sr, rng):
    """Rave 'hoover' (Alpha Juno 'What the'): wide detuned saw/pulse stack that swoops into pitch."""
    voices = int(rng.integers(3, 6))
    det = rng.uniform(20, 45)
    swoop = rng.uniform(-12, -4) if rng.random() < 0.8 else rng.uniform(3, 7)
    swoop_t = rng.uniform(0.04, 0.15)
    fc = rng.uniform(2000, 6000)
    a, r = rng.uniform(0.005, 0.05), rng.uniform(0.1, 0.5)

    def note(f, dur, v, L):
        t = np.arange(L) / sr
        fr = f * 2 ** (swoop * np.exp(-t / swoop_t) / 12)
        x = np.zeros(L)
        for o in np.linspace(-1, 1, voices):
            x += O.saw(fr * 2 ** (o * det / 1200), sr, rng.random())
        x += 0.6 * O.pulse(fr * 0.5, sr, 0.3 + 0.15 * lfo(L, sr, rng.uniform(2, 6)), rng.random())
        return F.lowpass(x, sr, fc) * adsr(L, sr, dur, a, 0.3, 0.9, r) * (0.5 + 0.5 * v)

    return render_poly(notes, n, sr, r * 1.5, note, cache_release=r)


def supersaw_lead(notes, n, sr, rng):
    """Trance supersaw lead: 7-voice detuned saw stack, bright filter, punchy envelope."""
    voices = int(rng.integers(5, 10))
    det = rng.uniform(10, 35)
    offs = np.linspace(-1.0, 1.0, voices) * det * rng.uniform(0.7, 1.0, voices)
    comps = [(2 ** (o / 1200), "saw", 1 / np.sqrt(voices), 0) for o in offs] + [(0.5, "saw", 0.3, 0)]
    fc = rng.uniform(3000, 9000)
    a, d, s_, r = rng.uniform(0.002, 0.02), rng.uniform(0.1, 0.5), rng.uniform(0.5, 1.0), rng.uniform(0.1, 0.5)

    def note(f, dur, v, L):
        x = O.stack_loop(f, comps, L, sr, rng, 1.5)
        return F.lowpass(x, sr, fc * (0.6 + 0.4 * v)) * adsr(L, sr, dur, a, d, s_, r) * (0.4 + 0.6 * v)

    return render_poly(notes, n, sr, r * 1.5, note, cache_release=r)


VOICES = {
    "acid_bass": ("bass", acid_bass, ["acid bassline", "303 bass", "squelchy resonant bass", "acid line"]),
    "analog_bass": ("bass", analog_bass, ["analog synth bass", "moog-style bass", "fat synth bass"]),
    "sub_bass": ("bass", sub_bass, ["sub bass", "deep sine bass", "clean sub"]),
    "808_bass": ("bass", bass_808, ["808 bass", "booming 808", "distorted 808", "trap 808"]),
    "reese_bass": ("bass", reese_bass, ["reese bass", "detuned dnb bass", "growling bass"]),
    "saw_lead": ("lead", saw_lead, ["saw lead", "synth lead", "bright sawtooth lead"]),
    "square_lead": ("lead", square_lead, ["square lead", "hollow square-wave lead", "pwm lead"]),
    "sync_lead": ("lead", sync_lead, ["sync lead", "hard sync lead", "tearing synth lead"]),
    "wobble_bass": ("bass", wobble_bass, ["wobble bass", "dubstep wobble", "lfo bass", "growl bass"]),
    "hoover": ("lead", hoover, ["hoover", "rave hoover", "alpha juno hoover", "90s rave lead"]),
    "supersaw_lead": ("lead", supersaw_lead, ["supersaw lead", "trance lead", "big detuned saw lead"]),
    "saw_pad": ("pad", saw_pad, ["saw pad", "analog pad", "lush synth pad"]),
    "string_pad": ("pad", string_pad, ["string machine pad", "supersaw pad", "synth strings"]),
    "warm_pad": ("pad", warm_pad, ["warm pad", "soft analog pad", "mellow pad"]),
    "evolving_pad": ("pad", evolving_pad, ["evolving pad", "sweeping filter pad", "ambient pad"]),
    "pluck": ("pluck", pluck, ["synth pluck", "plucky synth", "short pluck"]),
    "stab": ("keys", stab, ["synth stab", "chord stab", "rave stab"]),
    "brass_synth": ("brass", brass_synth, ["synth brass", "analog brass", "brassy synth"]),
}
