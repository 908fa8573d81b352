"""Sound-design one-shots: impacts, booms, risers, whooshes, explosions, weapons, metal, glitches,
lasers, vinyl scratches. Functions: fn(n, sr, rng) -> float64 (n,), un-normalised."""

from __future__ import annotations

import numpy as np

from . import filters as F
from . import oscillators as O
from .common import place
from .envelopes import exp_decay, smooth_random


def _t(L, sr):
    return np.arange(L) / sr


def _len(n, sr, lo, hi, rng):
    """Natural length of an event, never longer than the clip."""
    return max(1, min(n, int(rng.uniform(lo, hi) * sr)))


def _drop(sr, L, f_end, f_start, tau):
    t = _t(L, sr)
    return O.sine(f_end + (f_start - f_end) * np.exp(-t / tau), sr)


def _tail(sr, L, rng, decay, fc):
    """Diffuse reverb-like tail: filtered noise with exponential decay."""
    return F.lowpass(O.white(L, rng), sr, fc) * exp_decay(L, sr, decay)


def impact(n, sr, rng):
    """Cinematic hit: low thump, transient crack, mid body, optional metal, short room tail."""
    out = np.zeros(n)
    L = _len(n, sr, 0.8, 3.0, rng)
    thump = _drop(sr, L, rng.uniform(35, 55), rng.uniform(110, 220), rng.uniform(0.02, 0.08))
    thump *= exp_decay(L, sr, rng.uniform(0.5, 2.0))
    crack = F.highpass(O.white(L, rng), sr, rng.uniform(800, 3000)) * exp_decay(L, sr, rng.uniform(0.01, 0.05))
    body = F.bandpass(O.white(L, rng), sr, rng.uniform(150, 400), rng.uniform(1200, 4000)) \
        * exp_decay(L, sr, rng.uniform(0.08, 0.35))
    x = thump + rng.uniform(0.3, 0.9) * crack + rng.uniform(0.3, 0.8) * body
    if rng.random() < 0.35:
        x += 0.3 * _modes(sr, L, rng, rng.uniform(200, 700), 8, rng.uniform(0.4, 1.5))
    x += rng.uniform(0.1, 0.35) * _tail(sr, L, rng, rng.uniform(0.4, 0.9) * L / sr, rng.uniform(1500, 5000))
    place(out, 0, F.saturate(x, rng.uniform(0.5, 3)))
    return out


def boom(n, sr, rng):
    """Sub drop / cinematic boom: long sub sine pitch drop plus low rumble."""
    out = np.zeros(n)
    L = _len(n, sr, 1.5, 5.0, rng)
    x = _drop(sr, L, rng.uniform(28, 50), rng.uniform(70, 140), rng.uniform(0.05, 0.3))
    x *= exp_decay(L, sr, L / sr * rng.uniform(0.6, 1.0))
    rumble = F.lowpass(O.brown(L, rng), sr, rng.uniform(120, 400)) * exp_decay(L, sr, L / sr * 0.7)
    x = x + rng.uniform(0.2, 0.6) * rumble
    k = min(L, int(0.01 * sr))
    x[:k] += rng.uniform(0.1, 0.5) * O.white(k, rng) * np.linspace(1, 0, k)
    place(out, 0, F.saturate(x, rng.uniform(0.2, 2)))
    return out


def riser(n, sr, rng):
    """Tension riser over the whole clip: noise through a rising bandpass, optional rising tone."""
    t = _t(n, sr)
    u = t / max(t[-1], 1e-6) if n else t
    curve = rng.uniform(1.5, 4.0)
    f0, f1 = rng.uniform(150, 600), rng.uniform(4000, 12000)
    fc = f0 * (f1 / f0) ** (u ** curve * 0.5 + u * 0.5)
    x = F.tv_biquad(O.white(n, rng), sr, "bp", fc, rng.uniform(1.0, 5.0), block=128) * 2
    if rng.random() < 0.7:
        p0 = rng.uniform(40, 60)
        semis = p0 + rng.uniform(12, 36) * u ** rng.uniform(1.0, 2.5)
        fr = O.midi_to_hz(semis)
        tone = O.supersaw(fr, sr, rng, 3, rng.uniform(10, 40)) if rng.random() < 0.6 else O.sine(fr, sr)
        x = x + rng.uniform(0.2, 0.8) * F.lowpass(tone, sr, 6000)
    amp = u ** rng.uniform(1.0, 3.0)
    if rng.random() < 0.4:  # accelerating tremolo/gate
        amp *= 0.6 + 0.4 * np.sign(np.sin(2 * np.pi * np.cumsum(2 + 30 * u ** 2) / sr))
    return x * amp


def downlifter(n, sr, rng):
    """Falling sweep: filter and pitch move down while the level decays."""
    t = _t(n, sr)
    L = max(1, min(n, int(rng.uniform(1.0, 4.0) * sr)))
    u = np.minimum(t / (L / sr), 1.0)
    fc = rng.uniform(4000, 10000) * (rng.uniform(0.01, 0.05)) ** u
    x = F.tv_biquad(O.white(n, rng), sr, "bp", fc, rng.uniform(1.0, 4.0), block=128) * 2
    if rng.random() < 0.6:
        fr = O.midi_to_hz(rng.uniform(70, 90) - rng.uniform(24, 48) * u)
        x += rng.uniform(0.3, 0.7) * O.sine(fr, sr)
    return x * (1 - u) ** rng.uniform(1.0, 2.5)


def whoosh(n, sr, rng):
    """Pass-by whoosh: noise through a bandpass that sweeps up and back with a bell-shaped level."""
    out = np.zeros(n)
    L = _len(n, sr, 0.3, 1.6, rng)
    t = _t(L, sr) / (L / sr)
    peak = rng.uniform(0.3, 0.7)
    bell = np.exp(-((t - peak) / rng.uniform(0.12, 0.25)) ** 2)
    fc = rng.uniform(250, 700) * 2 ** (rng.uniform(2, 4.5) * bell)
    src = O.pink(L, rng) if rng.random() < 0.5 else O.white(L, rng)
    x = F.tv_biquad(src, sr, "bp", fc, rng.uniform(0.7, 3.0), block=64) * bell
    place(out, int(rng.uniform(0, 0.1) * max(n - L, 0)), x)
    return out


def explosion(n, sr, rng):
    """Blast: broadband burst darkening over ~1 s, sub pitch-drop, rolling rumble, thinning debris."""
    out = np.zeros(n)
    L = _len(n, sr, 2.0, 7.0, rng)
    t = _t(L, sr)
    burst = F.tv_biquad(O.white(L, rng), sr, "lp", 12000 * np.exp(-t / rng.uniform(0.15, 0.5)) + 300, 0.7, block=128)
    burst *= exp_decay(L, sr, rng.uniform(0.4, 1.2)) * (1 + 0.4 * smooth_random(L, sr, 25, rng))
    blast = _drop(sr, L, rng.uniform(25, 45), rng.uniform(70, 130), 0.1) * exp_decay(L, sr, rng.uniform(0.8, 2.0))
    rumble = F.lowpass(O.brown(L, rng), sr, rng.uniform(250, 800)) \
        * exp_decay(L, sr, L / sr * rng.uniform(0.7, 1.0)) * (1 + 0.5 * smooth_random(L, sr, 6, rng))
    x = F.saturate(1.2 * burst + blast + rng.uniform(0.6, 1.2) * rumble, rng.uniform(1.0, 4.0))
    # debris: sparse crackles thinning out over time, added after the clipping stage
    dens = rng.uniform(20, 100)
    imp = (rng.random(L) < dens / sr * np.exp(-t / rng.uniform(0.5, 2.0))) * rng.uniform(-1, 1, L)
    debris = F.bandpass(imp, sr, 600, 4000) * exp_decay(L, sr, L / sr)
    place(out, 0, x + rng.uniform(0.5, 1.5) * debris)
    return out


def _shot(sr, rng, caliber):
    L = int(rng.uniform(0.4, 1.3) * sr)
    t = _t(L, sr)
    crack = O.white(L, rng) * np.exp(-t / rng.uniform(0.001, 0.004))
    body = F.bandpass(O.white(L, rng), sr, 300 * caliber, 3000) * exp_decay(L, sr, rng.uniform(0.03, 0.1))
    thump = _drop(sr, L, 60 / caliber, 180, 0.01) * exp_decay(L, sr, rng.uniform(0.05, 0.15))
    tail = _tail(sr, L, rng, rng.uniform(0.3, 1.2), rng.uniform(1500, 4000))
    x = 2 * crack + body + 0.8 * thump + rng.uniform(0.08, 0.3) * tail
    return F.saturate(x, rng.uniform(2, 6))


def gunshot(n, sr, rng):
    """Single shot, double tap, or automatic burst; crack + body + thump + outdoor tail."""
    out = np.zeros(n)
    caliber = rng.uniform(0.6, 1.6)
    mode = rng.choice(["single", "single", "double", "burst"])
    shots = {"single": 1, "double": 2, "burst": int(rng.integers(3, 10))}[mode]
    gap = rng.uniform(0.06, 0.12) if mode == "burst" else rng.uniform(0.15, 0.5)
    for i in range(shots):
        place(out, int(i * gap * sr), _shot(sr, rng, caliber) * rng.uniform(0.8, 1.0))
    return out


def _modes(sr, L, rng, f0, k, decay, spread=(1.0, 9.0)):
    """Modal synthesis: k inharmonic damped sines (pairs slightly detuned so they beat)."""
    t = _t(L, sr)
    ratios = np.sort(np.exp(rng.uniform(np.log(spread[0]), np.log(spread[1]), k)))
    ratios[0] = 1.0
    x = np.zeros(L)
    for r in ratios:
        f = f0 * r
        if f > 0.45 * sr:
            continue
        d = decay * rng.uniform(0.5, 1.2) / r ** 0.4
        beat = rng.uniform(0.5, 4)
        x += rng.uniform(0.3, 1.0) * np.sin(2 * np.pi * f * t + rng.random() * 6.28) \
            * np.exp(-6.9 * t / d) * (1 + 0.3 * np.sin(2 * np.pi * beat * t))
    return x / np.sqrt(k)


def metal_clang(n, sr, rng):
    """Struck metal (pipe, plate, anvil): inharmonic modes with long ring, strike noise."""
    out = np.zeros(n)
    L = _len(n, sr, 1.0, 4.0, rng)
    f0 = rng.uniform(150, 900)
    x = _modes(sr, L, rng, f0, int(rng.integers(10, 20)), rng.uniform(1.0, 4.0), (1.0, rng.uniform(8, 20)))
    strike = F.highpass(O.white(L, rng), sr, 1500) * exp_decay(L, sr, 0.02)
    x = x + rng.uniform(0.2, 0.6) * strike
    place(out, 0, x)
    if rng.random() < 0.3 and n > L // 2:  # second hit or bounce
        place(out, int(rng.uniform(0.15, 0.6) * sr), 0.6 * x[: max(1, L // 2)])
    return out


def sword(n, sr, rng):
    """Blade clash (high ringing modes + crack) or unsheathe (metallic scrape), often after a swoosh."""
    out = np.zeros(n)
    L = _len(n, sr, 0.8, 2.5, rng)
    offset = 0
    if rng.random() < 0.5:
        sw = whoosh(min(n, int(0.5 * sr)), sr, rng) * 0.6
        place(out, 0, sw)
        offset = int(rng.uniform(0.15, 0.35) * sr)
    if rng.random() < 0.6:  # clash
        x = _modes(sr, L, rng, rng.uniform(1200, 2500), 12, rng.uniform(0.5, 2.0), (1.0, 4.5))
        x += 0.8 * F.highpass(O.white(L, rng), sr, 3000) * exp_decay(L, sr, 0.015)
    else:  # scrape: noise through a sweeping narrow band plus ring
        u = _t(L, sr) / (L / sr)
        fc = rng.uniform(2000, 4000) * 2 ** (rng.uniform(0.5, 1.5) * u)
        scrape = F.tv_biquad(O.white(L, rng), sr, "bp", fc, rng.uniform(4, 12)) * np.sin(np.pi * np.minimum(u * 1.6, 1))
        ring = _modes(sr, L, rng, rng.uniform(1500, 3000), 8, 1.0, (1.0, 3.0)) * np.clip((u - 0.5) * 4, 0, 1)
        x = 2 * scrape + 0.6 * ring
    place(out, offset, x)
    return out


def laser(n, sr, rng):
    """Sci-fi 'pew': fast exponential pitch drop on square/saw/sine, maybe repeated."""
    out = np.zeros(n)
    shots = int(rng.choice([1, 1, 2, 3]))
    gap = rng.uniform(0.12, 0.3)
    wave = rng.choice(["square", "saw", "sine"])
    for i in range(shots):
        L = _len(n, sr, 0.1, 0.45, rng)
        t = _t(L, sr)
        fr = rng.uniform(100, 400) + rng.uniform(1200, 4000) * np.exp(-t / rng.uniform(0.03, 0.12))
        fr = fr * (1 + rng.uniform(0, 0.05) * np.sin(2 * np.pi * rng.uniform(20, 60) * t))
        x = {"square": lambda: O.pulse(fr, sr, 0.5), "saw": lambda: O.saw(fr, sr), "sine": lambda: O.sine(fr, sr)}[wave]()
        place(out, int(i * gap * sr), x * exp_decay(L, sr, L / sr))
    return out


def glitch(n, sr, rng):
    """Digital glitch: stutters, bit-crushed bursts, sample-and-hold noise, click trains, dropouts."""
    out = np.zeros(n)
    pos = 0
    while pos < n:
        L = int(rng.uniform(0.02, 0.25) * sr)
        kind = rng.integers(0, 5)
        if kind == 0:  # stutter of a tiny grain
            g = int(rng.uniform(0.005, 0.04) * sr) + 1
            grain = O.saw(np.full(g, rng.uniform(80, 2000)), sr) * np.hanning(g) + 0.3 * O.white(g, rng)
            seg = np.tile(grain, L // g + 1)[:L]
        elif kind == 1:  # bitcrushed tone burst
            seg = np.round(O.sine(np.full(L, rng.uniform(200, 3000)), sr) * 3) / 3
        elif kind == 2:  # sample & hold noise
            hold = int(rng.integers(8, 200))
            seg = np.repeat(rng.uniform(-1, 1, L // hold + 1), hold)[:L]
        elif kind == 3:  # click train
            seg = np.zeros(L)
            seg[:: max(1, int(sr / rng.uniform(20, 400)))] = 1.0
        else:  # dropout
            seg = np.zeros(L)
        place(out, pos, seg * rng.uniform(0.3, 1.0))
        pos += L
    return out


def vinyl_scratch(n, sr, rng):
    """Turntable scratch: a short source read back and forth along a hand-motion curve, with fader cuts."""
    src_len = int(1.5 * sr)
    tt = _t(src_len, sr)
    kind = int(rng.choice(3, p=[0.5, 0.3, 0.2]))
    if kind == 0:  # 'ahh' vocal-like stab, the classic scratch source
        src = F.formant_bank(O.saw(np.full(src_len, rng.uniform(110, 220)), sr), sr, [750, 1150, 2600], [90, 100, 140], [1, .5, .3])
    elif kind == 1:  # horn/chord stab
        src = sum(O.saw(np.full(src_len, f), sr) for f in rng.uniform(150, 400) * np.array([1, 1.26, 1.5]))
    else:  # drum-ish noise hit loop
        src = F.bandpass(O.white(src_len, rng), sr, 300, 5000) * (0.3 + np.exp(-(tt % 0.25) / 0.05))
    rate = rng.uniform(2, 7)  # strokes per second
    depth = rng.uniform(0.05, 0.35)
    t = _t(n, sr)
    posn = 0.3 + depth * (0.5 + 0.5 * np.sin(2 * np.pi * np.cumsum(rate * (1 + 0.3 * smooth_random(n, sr, 1.0, rng))) / sr))
    x = np.interp(posn * sr, np.arange(src_len), src)
    speed = np.abs(np.gradient(posn)) * sr
    x *= np.clip(speed * 2, 0, 1)  # record stops -> silence
    if rng.random() < 0.5:  # crossfader chops (transformer / chirp)
        x *= (np.sin(2 * np.pi * rng.uniform(6, 16) * t) > rng.uniform(-0.3, 0.3))
        x = F.one_pole_lp(x, sr, 8000)
    x += 0.02 * (rng.random(n) < 20 / sr) * rng.uniform(-1, 1, n) * 20  # crackle
    return F.lowpass(x, sr, rng.uniform(5000, 12000))


def glass_break(n, sr, rng):
    """Glass shattering: a bright crack, then many short high tinkling shards falling over ~1 s."""
    out = np.zeros(n)
    L = _len(n, sr, 0.3, 0.8, rng)
    crack = F.highpass(O.white(L, rng), sr, 2000) * exp_decay(L, sr, rng.uniform(0.05, 0.2))
    crack += _modes(sr, L, rng, rng.uniform(1500, 3500), 12, rng.uniform(0.2, 0.6), (1.0, 5.0))
    place(out, 0, crack)
    spread = rng.uniform(0.4, 1.5)
    for _ in range(int(rng.integers(15, 60))):
        t0 = rng.uniform(0.0, 1.0) ** 2 * spread
        Ls = int(rng.uniform(0.03, 0.15) * sr)
        shard = _modes(sr, Ls, rng, rng.uniform(3000, 8000), 3, rng.uniform(0.03, 0.12), (1.0, 2.5))
        place(out, int(t0 * sr), shard * rng.uniform(0.1, 0.5))
    return out


def punch(n, sr, rng):
    """Fight punch/body hit: low thud with a fast pitch drop, a cloth/skin slap, optional whoosh."""
    out = np.zeros(n)
    offset = 0
    if rng.random() < 0.4:
        sw = whoosh(min(n, int(0.3 * sr)), sr, rng) * 0.4
        place(out, 0, sw)
        offset = int(rng.uniform(0.1, 0.25) * sr)
    L = _len(n, sr, 0.25, 0.6, rng)
    thud = _drop(sr, L, rng.uniform(50, 90), rng.uniform(150, 300), rng.uniform(0.01, 0.03)) \
        * exp_decay(L, sr, rng.uniform(0.1, 0.3))
    slap = F.bandpass(O.white(L, rng), sr, rng.uniform(500, 1500), rng.uniform(3000, 7000)) \
        * exp_decay(L, sr, rng.uniform(0.02, 0.06))
    place(out, offset, F.saturate(thud + rng.uniform(0.4, 1.0) * slap, rng.uniform(0.5, 3)))
    return out


KINDS = {
    "impact": (impact, ["impact", "cinematic hit", "heavy hit", "trailer hit"]),
    "boom": (boom, ["boom", "sub drop", "deep boom", "cinematic boom"]),
    "riser": (riser, ["riser", "noise riser", "build-up sweep", "tension riser"]),
    "downlifter": (downlifter, ["downlifter", "falling sweep", "down sweep"]),
    "whoosh": (whoosh, ["whoosh", "swoosh", "pass-by swish"]),
    "explosion": (explosion, ["explosion", "big blast", "detonation"]),
    "gunshot": (gunshot, ["gunshot", "gun shot", "firearm blast", "gunfire"]),
    "metal_clang": (metal_clang, ["metal clang", "metallic hit", "clanging metal"]),
    "sword": (sword, ["sword", "blade clash", "sword unsheathe", "metal blade"]),
    "glass_break": (glass_break, ["glass breaking", "shattering glass", "window smash"]),
    "punch": (punch, ["punch", "fist impact", "body hit", "fight punch"]),
    "laser": (laser, ["laser", "sci-fi zap", "laser blaster"]),
    "glitch": (glitch, ["glitch", "digital glitch", "stutter glitch"]),
    "vinyl_scratch": (vinyl_scratch, ["vinyl scratch", "turntable scratch", "dj scratch"]),
}
