"""Environmental and foley one-shots/ambiences: water, waves, wind, rain, thunder, engines,
footsteps, clocks, birds, crowds. Functions: fn(n, sr, rng) -> float64 (n,), un-normalised."""

from __future__ import annotations

import numpy as np
from scipy.signal import oaconvolve, resample_poly

from . import filters as F
from . import oscillators as O
from .common import place
from .envelopes import exp_decay, smooth_random
from .sfx_design import _len, _modes, _t


def _bubble(sr, rng, f, dur):
    L = max(1, int(dur * sr))
    t = _t(L, sr)
    fr = f * (1 + rng.uniform(0.3, 1.5) * t / dur)  # bubbles rise in pitch as they shrink
    return O.sine(fr, sr) * np.exp(-t / (dur / 4)) * np.minimum(1, t / 0.001)


def water_splash(n, sr, rng):
    """Splash: rough broadband burst, then a cloud of bubbles and drips."""
    out = np.zeros(n)
    L = _len(n, sr, 0.6, 2.0, rng)
    t = _t(L, sr)
    burst = F.lowpass(O.white(L, rng), sr, rng.uniform(2500, 7000)) \
        * exp_decay(L, sr, rng.uniform(0.15, 0.6)) * np.clip(1 + smooth_random(L, sr, 40, rng), 0, 2)
    burst *= np.minimum(1, t / rng.uniform(0.003, 0.02))
    place(out, 0, burst)
    for _ in range(int(rng.integers(20, 90))):
        start = int(rng.exponential(rng.uniform(0.1, 0.4)) * sr)
        place(out, start, rng.uniform(0.05, 0.35) * _bubble(sr, rng, rng.uniform(400, 3000), rng.uniform(0.01, 0.06)))
    return F.highpass(out, sr, 80)


def waves(n, sr, rng):
    """Ocean waves: swelling and crashing surf with the brightness following the swell."""
    t = _t(n, sr)
    period = rng.uniform(4, 10)
    ph = (t / period + rng.random()) % 1.0
    rise = rng.uniform(0.5, 0.75)
    swell = np.where(ph < rise, (ph / rise) ** 2, np.exp(-(ph - rise) / 0.12))
    swell = 0.25 + 0.75 * swell * (1 + 0.2 * smooth_random(n, sr, 0.3, rng))
    fc = 300 * 2 ** (rng.uniform(2.5, 4.0) * swell)
    x = F.tv_biquad(O.pink(n, rng), sr, "lp", fc, 0.7, block=256) * swell
    x += 0.3 * F.lowpass(O.brown(n, rng), sr, 200)
    return x


def wind(n, sr, rng):
    """Wind: noise through a wandering resonant band (whistle) over a rumbling bed, with gusts."""
    gust = np.clip(0.6 + 0.5 * smooth_random(n, sr, rng.uniform(0.1, 0.5), rng), 0.1, 1.2)
    center = rng.uniform(250, 900) * 2 ** (1.2 * smooth_random(n, sr, 0.3, rng) + 0.8 * (gust - 0.6))
    q = rng.uniform(1.5, 10.0)
    x = F.tv_biquad(O.white(n, rng), sr, "bp", center, q, block=256) * gust * 1.5
    x += rng.uniform(0.3, 1.0) * F.lowpass(O.brown(n, rng), sr, rng.uniform(150, 500)) * gust
    return x


def rain(n, sr, rng):
    """Rain: a hiss bed plus thousands of tiny drop impulses (and a few larger plinks)."""
    dens = rng.uniform(300, 4000)
    imp = (rng.random(n) < dens / sr) * rng.uniform(-1, 1, n) ** 3
    kl = int(0.004 * sr)
    kern = O.white(kl, rng) * np.exp(-_t(kl, sr) / 0.0008)
    drops = oaconvolve(imp, kern)[:n]
    drops = F.bandpass(drops, sr, rng.uniform(800, 2000), rng.uniform(6000, 12000))
    bed = F.bandpass(O.pink(n, rng), sr, rng.uniform(300, 800), rng.uniform(5000, 10000))
    x = drops * rng.uniform(1.0, 3.0) + bed * rng.uniform(0.2, 0.6)
    for _ in range(int(n / sr * rng.uniform(1, 8))):  # occasional drips on something hard
        place(x, int(rng.integers(0, max(n, 1))), 0.3 * _bubble(sr, rng, rng.uniform(1500, 4000), 0.02))
    if rng.random() < 0.4:  # heard from indoors / far away
        x = F.lowpass(x, sr, rng.uniform(1500, 4000))
    return x


def thunder(n, sr, rng):
    """Thunder: optional close crack, then a long rolling low rumble built from overlapping bursts."""
    out = np.zeros(n)
    L = _len(n, sr, 3.0, 9.0, rng)
    t = _t(L, sr)
    env = np.zeros(L)
    for _ in range(int(rng.integers(3, 9))):
        t0 = rng.exponential(0.6)
        env += rng.uniform(0.3, 1.0) * np.where(t >= t0, np.exp(-np.maximum(t - t0, 0) / rng.uniform(0.3, 1.5)), 0) \
            * np.minimum(1, np.maximum(t - t0, 0) / 0.05)
    env *= exp_decay(L, sr, L / sr) * (1 + 0.4 * smooth_random(L, sr, 8, rng))
    rumble = F.lowpass(O.brown(L, rng), sr, rng.uniform(150, 500)) * 1.5
    mid = F.bandpass(O.white(L, rng), sr, 100, rng.uniform(800, 2000)) * 0.4
    x = (rumble + mid) * env
    if rng.random() < 0.5:
        x += F.highpass(O.white(L, rng), sr, 1000) * exp_decay(L, sr, 0.25) * np.clip(smooth_random(L, sr, 60, rng) + 0.5, 0, 2)
    place(out, 0, x)
    return out


def engine(n, sr, rng):
    """Combustion engine: firing pulses at rpm-derived rate through exhaust resonances; idle, rev
    or drive-by with Doppler."""
    t = _t(n, sr)
    u = t / max(t[-1], 1e-6) if n else t
    mode = rng.choice(["idle", "rev", "driveby"])
    cyl = int(rng.choice([1, 2, 4, 6, 8]))
    idle = rng.uniform(700, 1100)
    if mode == "idle":
        rpm = idle * (1 + 0.02 * smooth_random(n, sr, 2, rng))
    elif mode == "rev":
        peak = rng.uniform(3000, 7000)
        bump = np.exp(-((u - rng.uniform(0.3, 0.6)) / rng.uniform(0.1, 0.25)) ** 2)
        rpm = idle + (peak - idle) * bump
    else:
        rpm = rng.uniform(2500, 5000) * (1 + 0.1 * u)
    fire = rpm / 60 * cyl / 2
    dop = 1.0
    gain = 1.0
    if mode == "driveby":
        # metres along the road, at a plausible car speed (<= 45 m/s) whatever the clip length
        x_pos = (u - 0.5) * min(rng.uniform(40, 120), 45.0 * n / sr)
        dist = np.sqrt(x_pos ** 2 + rng.uniform(3, 15) ** 2)
        vel_r = np.gradient(dist) * sr
        dop = np.clip(343 / (343 + vel_r), 0.5, 2.0)
        gain = 10 / dist
    ph = O.phase_from_freq(fire * dop, sr)
    jitter = 1 + 0.15 * rng.standard_normal(int(np.sum(fire * dop) / sr) + 2)
    cycle = np.floor(np.cumsum(fire * dop) / sr).astype(np.int64)
    # smooth firing pulses (no discontinuity, so no broadband click per cycle)
    pulses = (0.5 - 0.5 * np.cos(2 * np.pi * ph)) ** rng.uniform(2, 8) * jitter[np.minimum(cycle, jitter.size - 1)]
    pulses -= pulses.mean()
    x = F.biquad(pulses, sr, "bp", rng.uniform(80, 250), 2.0) + 0.6 * F.biquad(pulses, sr, "bp", rng.uniform(400, 1200), 3.0)
    x += 0.5 * pulses
    x += 0.15 * F.bandpass(O.white(n, rng), sr, 200, 2500) * np.maximum(pulses, 0)
    x = F.saturate(x * 3, rng.uniform(1, 4))
    x = F.lowpass(x, sr, rng.uniform(1500, 5000))
    return x * gain


def footstep(n, sr, rng):
    """Footsteps (heel + toe) on hard floor, wood or gravel, walking or running, filling the clip."""
    out = np.zeros(n)
    surface = rng.choice(["hard", "wood", "gravel"])
    step = rng.uniform(0.45, 0.7) if rng.random() < 0.7 else rng.uniform(0.26, 0.36)
    pos = rng.uniform(0.0, 0.2)
    f_res = rng.uniform(100, 250)
    while pos * sr < n:
        for part, (delay, g) in enumerate([(0.0, 1.0), (rng.uniform(0.04, 0.09), 0.6)]):
            L = int(0.15 * sr)
            t = _t(L, sr)
            if surface == "gravel":  # sparse crunches of small stones
                imp = (rng.random(L) < 0.012 * np.exp(-t / 0.03)) * rng.uniform(-1, 1, L)
                x = F.bandpass(imp, sr, 1000, 7000) * 3 + 0.4 * O.sine(np.full(L, f_res * 0.5), sr) * np.exp(-t / 0.02)
            elif surface == "wood":
                x = _modes(sr, L, rng, f_res, 5, 0.12, (1.0, 4.0)) + 0.3 * F.highpass(O.white(L, rng), sr, 2000) * np.exp(-t / 0.005)
            else:  # hard shoe on tile/concrete: heel click plus a short thud
                x = F.bandpass(O.white(L, rng), sr, 800, 5000) * np.exp(-t / 0.008) \
                    + 0.6 * O.sine(np.full(L, f_res * 0.6), sr) * np.exp(-t / 0.025)
            x *= np.minimum(1, (L - np.arange(L)) / (0.02 * sr))
            place(out, int((pos + delay) * sr), x * g * rng.uniform(0.7, 1.0))
        pos += step * rng.uniform(0.95, 1.05)
    return out


def clock_tick(n, sr, rng):
    """Mechanical clock: alternating tick/tock resonant clicks once (or twice) a second."""
    out = np.zeros(n)
    period = float(rng.choice([1.0, 0.5, 0.5, 0.25]))
    f1 = rng.uniform(1800, 4500)
    f2 = f1 * rng.uniform(0.75, 0.95)
    pos = rng.uniform(0.0, period)
    k = 0
    while pos * sr < n:
        L = int(0.04 * sr)
        imp = np.zeros(L)
        imp[0] = 1.0
        f = f1 if k % 2 == 0 else f2
        x = sum(F.biquad(imp, sr, "bp", f * r, 30) for r in (1.0, 1.7, 2.9))
        place(out, int(pos * sr), x * rng.uniform(0.8, 1.0))
        pos += period
        k += 1
    return out


def bird_chirp(n, sr, rng):
    """Songbird phrases: syllables of fast frequency sweeps and trills between 2 and 8 kHz."""
    out = np.zeros(n)
    birds = int(rng.integers(1, 4))
    for _ in range(birds):
        base = rng.uniform(1800, 4500)
        pos = rng.uniform(0, 0.5)
        while pos * sr < n:
            for _ in range(int(rng.integers(2, 9))):
                L = int(rng.uniform(0.03, 0.18) * sr)
                t = _t(L, sr)
                u = t / (L / sr)
                shape = rng.integers(0, 3)
                if shape == 0:
                    fr = base * (1 + rng.uniform(0.3, 1.0) * u)
                elif shape == 1:
                    fr = base * (1.8 - rng.uniform(0.3, 0.8) * u)
                else:
                    fr = base * (1 + 0.15 * np.sin(2 * np.pi * rng.uniform(30, 80) * t))
                x = O.sine(fr, sr) + 0.15 * O.sine(2 * fr, sr)
                place(out, int(pos * sr), x * np.sin(np.pi * u) ** 2 * rng.uniform(0.3, 1.0) / birds)
                pos += L / sr + rng.uniform(0.02, 0.09)
            pos += rng.uniform(0.4, 2.0)
    return out


def crowd(n, sr, rng):
    """Crowd: indoor murmur (many voiced babblers through vowel formants), applause or a cheer."""
    kind = rng.choice(["murmur", "applause", "cheer"])
    t = _t(n, sr)
    if kind == "applause":
        dens = rng.uniform(150, 1200)
        imp = (rng.random(n) < dens / sr) * rng.uniform(0.3, 1, n)
        kl = int(0.01 * sr)
        clap = F.bandpass(O.white(kl, rng), sr, 800, 4000) * np.exp(-_t(kl, sr) / 0.003)
        x = oaconvolve(imp, clap)[:n]
        env = np.clip(t / 0.4, 0, 1) * np.clip((n / sr - t) / 1.0, 0.2, 1)
        return x * env
    voices = int(rng.integers(6, 14))
    # babble lives below ~4 kHz: synthesise it at a quarter rate, then upsample
    q = 4 if sr % 4 == 0 and sr >= 32000 else 1
    sq, nq = sr // q, -(-n // q)
    x = np.zeros(nq)
    for _ in range(voices):
        f0 = rng.uniform(90, 260) * 2 ** (0.2 * smooth_random(nq, sq, 3, rng))
        syl = np.maximum(0, smooth_random(nq, sq, rng.uniform(4, 7), rng)) ** 0.7  # syllables
        # naive saw is fine here: the formant bank below removes what would alias
        x += (2 * O.phase_from_freq(f0, sq, rng.random()) - 1) * syl * rng.uniform(0.3, 1.0)
    x = F.formant_bank(x, sq, [600, 1200, 2500], [150, 200, 300], [1, 0.6, 0.3])
    if q > 1:
        x = resample_poly(x, q, 1)[:n]
    x /= np.sqrt(np.mean(x ** 2)) + 1e-12
    room = F.bandpass(O.pink(n, rng), sr, 200, 3000)
    x += rng.uniform(0.1, 0.3) * room / (np.sqrt(np.mean(room ** 2)) + 1e-12)
    if kind == "cheer":  # shouting: brighter, breathier, swelling
        shout = F.bandpass(O.white(n, rng), sr, 600, 4000)
        x = x * 0.7 + rng.uniform(0.5, 1.0) * shout / (np.sqrt(np.mean(shout ** 2)) + 1e-12)
        x *= np.clip(t / rng.uniform(0.3, 1.0), 0, 1)
    return x


def fire(n, sr, rng):
    """Crackling fire: a soft low roar plus sparse sharp pops and crackles, filling the clip."""
    roar = F.lowpass(O.brown(n, rng), sr, rng.uniform(300, 900)) * (1 + 0.3 * smooth_random(n, sr, 1.5, rng))
    dens = rng.uniform(5, 40)
    imp = (rng.random(n) < dens / sr) * rng.uniform(-1, 1, n) ** 3
    kl = int(0.003 * sr)
    crackle = oaconvolve(imp, O.white(kl, rng) * np.exp(-_t(kl, sr) / 0.0006))[:n]
    crackle = F.highpass(crackle, sr, rng.uniform(1000, 3000)) * 6
    pops = (rng.random(n) < rng.uniform(0.5, 3) / sr).astype(float)
    pops = F.bandpass(pops, sr, 300, 3000) * 30
    return rng.uniform(0.3, 0.8) * roar + crackle + pops


KINDS = {
    "water_splash": (water_splash, ["water splash", "splash", "something falling into water"]),
    "waves": (waves, ["ocean waves", "surf", "waves crashing on the shore"]),
    "wind": (wind, ["wind", "howling wind", "gusty wind ambience"]),
    "fire": (fire, ["crackling fire", "campfire", "fireplace crackle"]),
    "rain": (rain, ["rain", "rainfall", "rain ambience"]),
    "thunder": (thunder, ["thunder", "thunderclap", "rolling thunder", "storm"]),
    "engine": (engine, ["engine", "car engine", "motor revving", "engine idle"]),
    "footstep": (footstep, ["footsteps", "walking", "steps"]),
    "clock_tick": (clock_tick, ["clock ticking", "tick tock", "clock"]),
    "bird_chirp": (bird_chirp, ["birds chirping", "birdsong", "bird tweets"]),
    "crowd": (crowd, ["crowd", "crowd murmur", "people talking", "applause"]),
}
