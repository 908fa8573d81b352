"""Game/UI sounds: beeps, notification chimes, coins. Functions: fn(n, sr, rng) -> float64 (n,)."""

from __future__ import annotations

import numpy as np

from . import filters as F
from . import oscillators as O
from .common import place
from .envelopes import exp_decay
from .sfx_design import _modes, _t

_PENTA = np.array([0, 2, 4, 7, 9, 12, 14, 16, 19])


def _tone(wave, f, L, sr):
    fr = np.full(L, f)
    if wave == "square":
        return O.pulse(fr, sr, 0.5) * 0.6
    if wave == "triangle":
        return O.triangle(fr, sr)
    return O.sine(fr, sr)


def ui_beep(n, sr, rng):
    """Interface beeps: 1-3 short tones (confirm, error buzz, two-tone)."""
    out = np.zeros(n)
    wave = rng.choice(["sine", "sine", "square", "triangle"])
    beeps = int(rng.integers(1, 4))
    f = rng.uniform(500, 2500) if rng.random() < 0.85 else rng.uniform(150, 300)  # some error buzzes
    step = float(rng.choice([1.0, 1.0, 2 ** (4 / 12), 2 ** (7 / 12), 2 ** (-5 / 12)]))
    L = int(rng.uniform(0.04, 0.22) * sr)
    gap = rng.uniform(0.03, 0.15)
    for i in range(beeps):
        x = _tone(wave, f * step ** i, L, sr)
        env = np.minimum(1, np.minimum(np.arange(L), L - np.arange(L)) / (0.004 * sr))
        place(out, int(i * (L / sr + gap) * sr), x * env)
    return out


def notification_chime(n, sr, rng):
    """Phone/app notification: 2-4 bell or marimba notes on a pentatonic scale."""
    out = np.zeros(n)
    root = rng.uniform(64, 86)
    k = int(rng.integers(2, 5))
    steps = np.sort(rng.choice(_PENTA, k, replace=False))
    if rng.random() < 0.3:
        steps = steps[::-1]
    timbre = rng.choice(["bell", "marimba", "sine"])
    spacing = rng.uniform(0.07, 0.2)
    for i, s in enumerate(steps):
        f = float(O.midi_to_hz(root + s))
        L = int(rng.uniform(0.4, 1.5) * sr)
        t = _t(L, sr)
        if timbre == "bell":
            x = sum(a * np.sin(2 * np.pi * f * r * t) * np.exp(-t / (d * L / sr))
                    for r, a, d in ((1, 1, 0.3), (2.76, 0.4, 0.12), (5.4, 0.2, 0.05)))
        elif timbre == "marimba":
            x = (np.sin(2 * np.pi * f * t) + 0.3 * np.sin(2 * np.pi * f * 4 * t) * np.exp(-t / 0.03)) * np.exp(-t / 0.15)
        else:
            x = np.sin(2 * np.pi * f * t) * np.exp(-t / (0.25 * L / sr))
        place(out, int(i * spacing * sr), x * np.minimum(1, t / 0.002))
    return out


def coin(n, sr, rng):
    """Coin: the classic 8-bit two-note pickup, a sparkly arpeggio, or real coins clinking."""
    out = np.zeros(n)
    kind = rng.choice(["8bit", "8bit", "sparkle", "real"])
    if kind == "8bit":
        f1 = rng.uniform(700, 1300)
        f2 = f1 * float(rng.choice([2 ** (5 / 12), 2 ** (7 / 12), 2 ** (12 / 12)]))
        d1, d2 = rng.uniform(0.05, 0.1), rng.uniform(0.25, 0.6)
        duty = float(rng.choice([0.125, 0.25, 0.5]))
        L1, L2 = int(d1 * sr), int(d2 * sr)
        place(out, 0, O.pulse(np.full(L1, f1), sr, duty))
        place(out, L1, O.pulse(np.full(L2, f2), sr, duty) * np.round(exp_decay(L2, sr, d2, 3) * 15) / 15)
    elif kind == "sparkle":
        root = rng.uniform(76, 90)
        for i, s in enumerate([0, 4, 7, 12, 16][: int(rng.integers(3, 6))]):
            L = int(0.3 * sr)
            place(out, int(i * rng.uniform(0.03, 0.06) * sr),
                  O.sine(np.full(L, float(O.midi_to_hz(root + s))), sr) * exp_decay(L, sr, 0.3))
    else:
        pos = 0.0
        for i in range(int(rng.integers(2, 7))):
            L = int(0.3 * sr)
            x = _modes(sr, L, rng, rng.uniform(2500, 5000), 6, rng.uniform(0.1, 0.3), (1.0, 2.8))
            place(out, int(pos * sr), x * rng.uniform(0.4, 1.0))
            pos += rng.uniform(0.03, 0.2) * (0.8 ** i)
        out = F.highpass(out, sr, 1000)
    return out


def ringtone(n, sr, rng):
    """Phone ringing, filling the clip: a melodic ringtone motif, an old bell telephone, or a
    dual-tone line ring."""
    out = np.zeros(n)
    kind = rng.choice(["melody", "melody", "bell", "dualtone"])
    if kind == "melody":
        root = rng.uniform(64, 80)
        scale = _PENTA if rng.random() < 0.6 else np.array([0, 2, 4, 5, 7, 9, 11, 12])
        motif = rng.choice(scale, int(rng.integers(4, 9)))
        step = 60 / rng.uniform(110, 180) / 2
        wave = rng.choice(["marimba", "sine", "square"])
        phrase = len(motif) * step + rng.uniform(0.3, 1.0)
        pos = 0.0
        while pos * sr < n:
            for i, s in enumerate(motif):
                f = float(O.midi_to_hz(root + s))
                L = int(step * 0.95 * sr)
                t = _t(L, sr)
                if wave == "marimba":
                    x = (np.sin(2 * np.pi * f * t) + 0.3 * np.sin(2 * np.pi * 4 * f * t) * np.exp(-t / 0.02)) * np.exp(-t / 0.12)
                else:
                    x = _tone(wave, f, L, sr) * np.minimum(1, np.minimum(np.arange(L), L - np.arange(L)) / (0.005 * sr))
                place(out, int((pos + i * step) * sr), x)
            pos += phrase
        return out
    if kind == "bell":  # clapper hitting two bells ~20 times a second, 2 s on, 4 s off
        rate = rng.uniform(17, 25)
        on, period = rng.uniform(1.0, 2.0), rng.uniform(3.0, 4.5)
        pos = rng.uniform(0, 0.3)
        bell = _modes(sr, int(0.4 * sr), rng, rng.uniform(900, 1600), 6, 0.6, (1.0, 3.5))
        bell2 = _modes(sr, int(0.4 * sr), rng, rng.uniform(1000, 1800), 6, 0.6, (1.0, 3.5))
        while pos * sr < n:
            k = 0
            while k / rate < on:
                place(out, int((pos + k / rate) * sr), bell if k % 2 == 0 else bell2)
                k += 1
            pos += period
        return out
    f1, f2 = (440.0, 480.0) if rng.random() < 0.5 else (400.0, 450.0)
    on = rng.uniform(0.4, 2.0)
    period = on + rng.uniform(0.2, 4.0)
    t = _t(n, sr)
    gate = ((t + rng.uniform(0, period)) % period) < on
    return (np.sin(2 * np.pi * f1 * t) + np.sin(2 * np.pi * f2 * t)) * F.one_pole_lp(gate.astype(float), sr, 200.0)


def alarm(n, sr, rng):
    """Alarm clock / appliance alarm: groups of square or sine beeps repeating."""
    out = np.zeros(n)
    f = rng.uniform(1800, 4000) if rng.random() < 0.7 else rng.uniform(700, 1200)
    wave = rng.choice(["square", "sine"])
    beeps = int(rng.integers(1, 5))
    L = int(rng.uniform(0.05, 0.15) * sr)
    gap = rng.uniform(0.04, 0.12)
    period = beeps * (L / sr + gap) + rng.uniform(0.2, 0.8)
    env = np.minimum(1, np.minimum(np.arange(L), L - np.arange(L)) / (0.003 * sr))
    beep = _tone(wave, f, L, sr) * env
    pos = 0.0
    while pos * sr < n:
        for i in range(beeps):
            place(out, int((pos + i * (L / sr + gap)) * sr), beep)
        pos += period
    return out


def siren(n, sr, rng):
    """Emergency siren: slow wail or fast yelp sweeping a harmonic-rich tone."""
    t = _t(n, sr)
    lo, hi = rng.uniform(500, 800), rng.uniform(1200, 1700)
    rate = rng.uniform(0.15, 0.4) if rng.random() < 0.5 else rng.uniform(2.5, 5.0)
    sweep = 0.5 - 0.5 * np.cos(2 * np.pi * rate * t + rng.random() * 6.28)
    fr = lo + (hi - lo) * sweep
    x = O.saw(fr, sr, rng.random()) * 0.5 + O.sine(fr, sr)
    return F.lowpass(x, sr, rng.uniform(3000, 6000))


KINDS = {
    "ui_beep": (ui_beep, ["beep", "ui beep", "interface blip", "electronic beep"]),
    "notification_chime": (notification_chime, ["notification chime", "phone notification", "alert tone", "ringtone"]),
    "ringtone": (ringtone, ["ringtone", "phone ringing", "telephone ring", "mobile ringtone"]),
    "alarm": (alarm, ["alarm", "alarm clock beeping", "beeping alarm"]),
    "siren": (siren, ["siren", "police siren", "emergency siren"]),
    "coin": (coin, ["coin", "coin pickup", "8-bit coin sound", "coins clinking"]),
}
