"""Drum-machine kits: TR-808, TR-909, TR-606 style analog voices, a chiptune noise/triangle kit and a
lo-fi sampler kit (SP-1200-like crunch). GM drum notes map to voice roles."""

from __future__ import annotations

import numpy as np

from . import filters as F
from . import oscillators as O
from .envelopes import exp_decay

# GM drum note -> role. Unlisted notes fall back via _nearest_role.
ROLE_OF_NOTE = {
    35: "kick", 36: "kick", 37: "rim", 38: "snare", 40: "snare", 39: "clap",
    42: "hat_closed", 44: "hat_pedal", 46: "hat_open",
    41: "tom", 43: "tom", 45: "tom", 47: "tom", 48: "tom", 50: "tom",
    49: "crash", 57: "crash", 52: "crash", 55: "crash",
    51: "ride", 59: "ride", 53: "ride_bell",
    56: "cowbell", 75: "claves", 76: "claves", 77: "claves", 70: "shaker", 69: "shaker", 82: "shaker",
    54: "tambourine", 58: "shaker", 60: "tom", 61: "tom", 62: "tom", 63: "tom", 64: "tom",
    65: "tom", 66: "tom", 67: "cowbell", 68: "cowbell", 71: "claves", 72: "claves", 73: "shaker",
    74: "shaker", 78: "claves", 79: "claves", 80: "hat_closed", 81: "hat_open",
}
# Tom pitch (Hz at tune 0) by GM note: floor toms low, high toms high, hand percussion higher.
TOM_HZ = {41: 75, 43: 90, 45: 110, 47: 135, 48: 160, 50: 195, 60: 330, 61: 260, 62: 300,
          63: 250, 64: 190, 65: 360, 66: 280}
MACHINES_KITS = ("808", "909", "606", "chip", "lofi", "acoustic")


def nearest_role(note: int) -> str:
    if note in ROLE_OF_NOTE:
        return ROLE_OF_NOTE[note]
    if note < 35:
        return "kick"
    known = np.array(sorted(ROLE_OF_NOTE))
    return ROLE_OF_NOTE[int(known[np.argmin(np.abs(known - note))])]


def _t(L, sr):
    return np.arange(L) / sr


def _pitch_drop_sine(sr, L, f_end, f_start, tau, phase0=0.0):
    t = _t(L, sr)
    fr = f_end + (f_start - f_end) * np.exp(-t / tau)
    return O.sine(fr, sr, phase0)


def _metal(sr, L, freqs, rng):
    """Sum of square waves at inharmonic frequencies: the 808/606 cymbal and hat source."""
    fs, am = O.square_partials(freqs, sr)
    return O.partials_fft(fs, am, L, sr, rng) / len(freqs)


def _membrane(sr, L, f, rng, decay, drop=1.0):
    """Circular-membrane modes (Bessel ratios) with higher modes dying faster; optional pitch drop."""
    t = _t(L, sr)
    x = np.zeros(L)
    bend = 1 + (drop - 1) * np.exp(-t / 0.05)
    for r, a in ((1.0, 1.0), (1.594, 0.5), (2.136, 0.35), (2.296, 0.25), (2.653, 0.15), (2.918, 0.1)):
        if f * r < 0.45 * sr:
            x += a * rng.uniform(0.7, 1.0) * O.sine(f * r * bend, sr, rng.random()) * np.exp(-6.9 * t / (decay / r ** 1.2))
    return x


_808_METAL = np.array([205.3, 304.4, 369.6, 522.7, 540.0, 800.0])


class Kit:
    """A drum machine with per-call random tuning/decays; hit(role, note, vel01) -> float64 array."""

    def __init__(self, machine: str, sr: int, rng: np.random.Generator):
        self.m, self.sr, self.rng = machine, sr, rng
        u = rng.uniform
        self.tune = 2 ** (u(-2.5, 2.5) / 12)
        self.kick_f = {"808": u(45, 60), "909": u(48, 62), "606": u(60, 80), "chip": u(45, 65),
                       "lofi": u(50, 70), "acoustic": u(50, 68)}[machine]
        self.kick_decay = {"808": u(0.35, 1.4), "909": u(0.25, 0.6), "606": u(0.12, 0.3), "chip": u(0.1, 0.25),
                           "lofi": u(0.2, 0.45), "acoustic": u(0.2, 0.45)}[machine]
        self.snare_tone = u(0.35, 1.0)
        self.snappy = u(0.4, 1.0)
        self.hat_decay = u(0.03, 0.09)
        self.open_decay = u(0.25, 0.8)
        self.metal = _808_METAL * u(0.9, 1.12) if machine != "606" else _808_METAL * u(1.1, 1.5)
        self.drive = u(0.0, 2.0) if machine in ("909", "lofi") else u(0.0, 0.8)
        self.bright = u(0.8, 1.25)
        self.room = u(0.0, 0.3) if machine in ("acoustic", "lofi") else 0.0

    # ------------------------------------------------------------- voices
    def kick(self, v):
        sr, rng, m = self.sr, self.rng, self.m
        dec = self.kick_decay * (0.8 + 0.3 * v)
        L = int(dec * sr * 1.1) + 1
        f = self.kick_f
        if m == "808":
            x = _pitch_drop_sine(sr, L, f, f * rng.uniform(1.4, 2.6), rng.uniform(0.006, 0.03))
            x *= exp_decay(L, sr, dec)
            k = min(L, int(0.0015 * sr))
            x[:k] += 0.6 * np.hanning(2 * k)[:k][::-1]
        elif m == "acoustic":
            # bass drum: membrane fundamental with a small pitch drop, beater click, skin overtones
            x = _pitch_drop_sine(sr, L, f, f * rng.uniform(1.15, 1.5), rng.uniform(0.01, 0.04)) * exp_decay(L, sr, dec)
            x += rng.uniform(0.1, 0.4) * _membrane(sr, L, f * rng.uniform(1.8, 2.6), rng, 0.08)
            k = min(L, int(rng.uniform(0.003, 0.008) * sr))
            click = F.bandpass(O.white(k, rng), sr, rng.uniform(1500, 3000), 9000) * exp_decay(k, sr, k / sr)
            x[:k] += rng.uniform(0.2, 0.7) * click * (0.4 + v)
            x = F.saturate(x, self.drive * 0.3)
        elif m in ("909", "lofi"):
            x = _pitch_drop_sine(sr, L, f, rng.uniform(180, 320), rng.uniform(0.006, 0.02))
            x = F.saturate(x * exp_decay(L, sr, dec), self.drive + (1.0 if m == "909" else 0.3))
            k = min(L, int(rng.uniform(0.004, 0.012) * sr))
            click = F.highpass(O.white(k, rng), sr, rng.uniform(1500, 5000)) * exp_decay(k, sr, k / sr)
            x[:k] += rng.uniform(0.15, 0.5) * click * (0.5 + v)
        elif m == "606":
            x = _pitch_drop_sine(sr, L, f, f * rng.uniform(1.5, 2.5), 0.01) * exp_decay(L, sr, dec)
        else:  # chip: stepped triangle with a fast pitch drop
            fr = f + rng.uniform(120, 250) * np.exp(-_t(L, sr) / rng.uniform(0.01, 0.04))
            ph = O.phase_from_freq(fr, sr)
            x = np.round((4 * np.abs(ph - 0.5) - 1) * 7.5) / 7.5 * (_t(L, sr) < dec)
        return x * (0.3 + 0.7 * v)

    def snare(self, v):
        sr, rng, m = self.sr, self.rng, self.m
        if m == "chip":
            L = int(rng.uniform(0.1, 0.25) * sr)
            nz = O.lfsr_noise(rng.uniform(6000, 20000), L, sr, rng) * self._frame_env(L, rng.uniform(0.08, 0.2))
            tone = _pitch_drop_sine(sr, L, 120, 300, 0.02) * exp_decay(L, sr, 0.05)
            return (nz + 0.5 * np.sign(tone)) * (0.3 + 0.7 * v)
        if m == "acoustic":
            return self._acoustic_snare(v)
        dec_n = rng.uniform(0.12, 0.3) if m != "606" else rng.uniform(0.07, 0.15)
        L = int(dec_n * sr * 1.2) + 1
        f1 = (rng.uniform(160, 240) if m != "606" else rng.uniform(220, 300)) * self.tune
        tone = _pitch_drop_sine(sr, L, f1, f1 * (1.0 if m == "808" else 1.3), 0.01) * exp_decay(L, sr, rng.uniform(0.06, 0.15))
        tone += 0.6 * _pitch_drop_sine(sr, L, f1 * rng.uniform(1.5, 1.9), f1 * 2.0, 0.01) * exp_decay(L, sr, 0.06)
        nz = O.white(L, rng)
        lo = {"808": 1800, "909": 800, "606": 2500, "lofi": 600, "acoustic": 400}[m]
        nz = F.bandpass(nz, sr, lo * self.bright, min(0.45 * sr, rng.uniform(6500, 10000) * self.bright))
        nz *= exp_decay(L, sr, dec_n)
        if m == "acoustic":  # snare wires buzz: noise modulated by the drum body
            nz *= 1 + 0.5 * np.abs(tone)
        x = self.snare_tone * tone + self.snappy * 1.1 * nz
        return F.saturate(x, self.drive) * (0.3 + 0.7 * v)

    def _acoustic_snare(self, v):
        """Shell modes + snare-wire rattle (noise gated by the shell) + stick attack."""
        sr, rng = self.sr, self.rng
        L = int(rng.uniform(0.25, 0.45) * sr)
        f = rng.uniform(170, 240) * self.tune
        shell = _membrane(sr, L, f, rng, rng.uniform(0.08, 0.18))
        wires = F.bandpass(O.white(L, rng), sr, rng.uniform(1500, 3000), min(0.45 * sr, rng.uniform(6000, 9000)))
        wires *= exp_decay(L, sr, rng.uniform(0.15, 0.35)) * (0.6 + 0.8 * np.abs(shell))
        k = min(L, int(0.003 * sr))
        stick = np.zeros(L)
        stick[:k] = O.white(k, rng) * np.linspace(1, 0, k)
        stick = F.bandpass(stick, sr, 800, 5000)
        x = self.snare_tone * shell + self.snappy * 0.8 * wires + 0.6 * stick
        return x * (0.3 + 0.7 * v)

    def clap(self, v):
        sr, rng = self.sr, self.rng
        L = int(rng.uniform(0.2, 0.45) * sr)
        if self.m == "chip":
            return O.lfsr_noise(rng.uniform(5000, 12000), L, sr, rng) * self._frame_env(L, 0.12) * (0.3 + 0.7 * v)
        nz = F.bandpass(O.white(L, rng), sr, rng.uniform(700, 1200), rng.uniform(1800, 3500))
        env = np.zeros(L)
        gap = rng.uniform(0.007, 0.013)
        bursts = int(rng.integers(3, 5))
        t = _t(L, sr)
        for b in range(bursts):  # several hands slightly out of sync, then the room tail
            tb = t - b * gap * rng.uniform(0.8, 1.2)
            env += np.where(tb >= 0, np.exp(-np.maximum(tb, 0) / 0.004), 0.0) * (tb < gap * 1.5)
        tail_t = t - bursts * gap
        env += np.where(tail_t >= 0, 0.8 * np.exp(-np.maximum(tail_t, 0) / rng.uniform(0.04, 0.12)), 0.0)
        return nz * env * (0.3 + 0.7 * v)

    def _hat(self, v, decay, openness):
        sr, rng, m = self.sr, self.rng, self.m
        L = int(decay * sr * 1.3) + 1
        if m == "chip":
            short = rng.random() < 0.3
            x = O.lfsr_noise(rng.uniform(15000, 40000), L, sr, rng, short=short) * self._frame_env(L, decay)
            return x * (0.2 + 0.5 * v)
        if m in ("808", "606"):
            src = _metal(sr, L, self.metal * self.tune, rng)
            src = F.bandpass(src, sr, 6000, 13000, 2)
            src += 0.15 * F.highpass(O.white(L, rng), sr, 8000)
        else:  # 909 / lofi / acoustic: a sampled-cymbal-like cluster of inharmonic partials plus noise
            fr = np.exp(rng.uniform(np.log(3000), np.log(16000), 40 if m != "acoustic" else 120))
            src = O.partials_fft(fr, rng.uniform(0.3, 1.0, fr.size), L, sr, rng) / (5 if m != "acoustic" else 9)
            src = src + rng.uniform(0.5, 1.2) * O.white(L, rng)
            if m == "909":
                src = np.round(src * 16) / 16  # 6-bit sample ROM grit
        x = F.highpass(src, sr, rng.uniform(5500, 8000) * (0.9 if openness else 1.0), 2)
        x = F.lowpass(x, sr, rng.uniform(10000, 16000), 1)  # cymbal/hat energy tilts down above ~10 kHz
        x *= exp_decay(L, sr, decay) * np.minimum(1, _t(L, sr) / 0.0005)
        return x * (0.2 + 0.6 * v)

    def hat_closed(self, v):
        return self._hat(v, self.hat_decay, False)

    def hat_pedal(self, v):
        return self._hat(v, self.hat_decay * 1.5, False) * 0.8

    def hat_open(self, v):
        return self._hat(v, self.open_decay, True)

    def tambourine(self, v):
        x = self._hat(v, self.rng.uniform(0.1, 0.25), True)
        jingle = F.bandpass(O.white(x.size, self.rng), self.sr, 5000, 11000) * exp_decay(x.size, self.sr, 0.12)
        return x + 0.3 * jingle

    def _cymbal(self, v, decay, ping):
        sr, rng, m = self.sr, self.rng, self.m
        L = int(decay * sr) + 1
        if m == "chip":
            return O.lfsr_noise(rng.uniform(8000, 30000), L, sr, rng) * self._frame_env(L, decay) * (0.2 + 0.5 * v)
        src = _metal(sr, L, self.metal * self.tune * rng.uniform(0.9, 1.3), rng) if m in ("808", "606") else 0
        fr = np.exp(rng.uniform(np.log(2500), np.log(15000), 60))
        t = _t(L, sr)
        metal = O.partials_fft(fr, rng.uniform(0.3, 1.0, fr.size), L, sr, rng) / 6
        nz = O.white(L, rng) * (0.3 if ping else 1.0)
        x = F.highpass(src + metal + nz, sr, rng.uniform(3000, 6000))
        x *= exp_decay(L, sr, decay) * np.minimum(1, t / 0.001)
        if ping:  # ride: pitched bell ping on top
            x += 0.4 * sum(np.sin(2 * np.pi * f * t) for f in np.array([1, 2.32, 3.8]) * rng.uniform(600, 900)) \
                * exp_decay(L, sr, decay * 0.6) / 3
        return x * (0.2 + 0.6 * v)

    def crash(self, v):
        return self._cymbal(v, self.rng.uniform(1.0, 2.8), False)

    def ride(self, v):
        return self._cymbal(v, self.rng.uniform(0.8, 2.0), True)

    def ride_bell(self, v):
        return self._cymbal(v, self.rng.uniform(0.8, 1.6), True) * 1.2

    def tom(self, v, note):
        sr, rng, m = self.sr, self.rng, self.m
        f = TOM_HZ.get(note, 120) * self.tune * rng.uniform(0.97, 1.03)
        dec = rng.uniform(0.18, 0.5) * (120 / f) ** 0.3
        L = int(dec * sr) + 1
        if m == "chip":
            fr = f * (1 + np.exp(-_t(L, sr) / 0.05))
            ph = O.phase_from_freq(fr, sr)
            return np.round((4 * np.abs(ph - 0.5) - 1) * 7.5) / 7.5 * (_t(L, sr) < dec * 0.6) * (0.3 + 0.7 * v)
        if m == "acoustic":
            x = _membrane(sr, L, f, rng, dec, drop=rng.uniform(1.03, 1.12))
            nz = F.bandpass(O.white(L, rng), sr, 1500, 8000) * exp_decay(L, sr, 0.015) * rng.uniform(0.1, 0.4)
            return (x + nz) * (0.3 + 0.7 * v)
        x = _pitch_drop_sine(sr, L, f, f * rng.uniform(1.1, 1.6), rng.uniform(0.02, 0.08)) * exp_decay(L, sr, dec)
        nz = F.bandpass(O.white(L, rng), sr, f * 2, f * 12) * exp_decay(L, sr, 0.05) * rng.uniform(0.05, 0.4)
        return F.saturate(x + nz, self.drive) * (0.3 + 0.7 * v)

    def cowbell(self, v):
        sr, rng = self.sr, self.rng
        L = int(rng.uniform(0.2, 0.5) * sr)
        f1 = 540 * self.tune * rng.uniform(0.95, 1.05)
        x = O.pulse(np.full(L, f1), sr, 0.5) + O.pulse(np.full(L, f1 * 1.48), sr, 0.5)
        x = F.bandpass(x, sr, 500, 3000)
        t = _t(L, sr)
        return x * (0.6 * np.exp(-t / 0.015) + 0.4 * np.exp(-t / rng.uniform(0.08, 0.2))) * (0.3 + 0.7 * v)

    def claves(self, v):
        sr, rng = self.sr, self.rng
        L = int(0.12 * sr)
        f = rng.uniform(2000, 2800) * self.tune
        return np.sin(2 * np.pi * f * _t(L, sr)) * exp_decay(L, sr, rng.uniform(0.03, 0.07)) * (0.3 + 0.7 * v)

    def rim(self, v):
        sr, rng = self.sr, self.rng
        L = int(0.07 * sr)
        t = _t(L, sr)
        x = np.sin(2 * np.pi * rng.uniform(400, 550) * t) + 0.8 * np.sin(2 * np.pi * rng.uniform(1500, 1900) * t)
        x = F.highpass(x + 0.5 * O.white(L, rng) * np.exp(-t / 0.002), sr, 300)
        return x * exp_decay(L, sr, rng.uniform(0.015, 0.04)) * (0.3 + 0.7 * v)

    def shaker(self, v):
        sr, rng = self.sr, self.rng
        L = int(0.12 * sr)
        t = _t(L, sr)
        a = rng.uniform(0.004, 0.015)
        env = np.where(t < a, t / a, np.exp(-(t - a) / rng.uniform(0.02, 0.05)))
        return F.highpass(O.white(L, rng), sr, rng.uniform(4000, 7000)) * env * (0.2 + 0.5 * v)

    def _frame_env(self, L, decay):
        """Chip kit: volume stepped per 60 Hz frame, 16 levels."""
        t = (np.floor(_t(L, self.sr) * 60) / 60)
        return np.round(np.exp(-5 * t / max(decay, 1e-3)) * 15) / 15

    # ------------------------------------------------------------- dispatch
    def hit(self, role: str, note: int, v: float) -> np.ndarray:
        if role == "tom":
            return self.tom(v, note)
        return getattr(self, role)(v)

    def post(self, x: np.ndarray) -> np.ndarray:
        """Whole-kit character: lo-fi sampler crunch, chip console output, acoustic room."""
        sr, rng = self.sr, self.rng
        if self.m == "lofi":
            # SP-1200/MPC60 feel: zero-order-hold to 12-26 kHz (aliasing), 8-12 bits, dark filter
            hold = max(1, int(round(sr / rng.uniform(12000, 26000))))
            x = np.repeat(x[::hold], hold)[:x.size]
            bits = int(rng.integers(8, 13))
            peak = np.max(np.abs(x)) + 1e-9
            x = np.round(x / peak * 2 ** (bits - 1)) / 2 ** (bits - 1) * peak
            x = F.lowpass(x, sr, rng.uniform(6000, 12000), 4)
            x = F.saturate(x / peak, rng.uniform(0.3, 2.0))
        elif self.m == "chip":
            x = F.lowpass(F.highpass(x, sr, 60.0, 1), sr, 14000.0, 1)
        if self.room > 0 and x.size:
            L = int(rng.uniform(0.2, 0.6) * sr)
            ir = O.white(L, rng) * exp_decay(L, sr, L / sr)
            ir = F.lowpass(ir, sr, 5000)
            from scipy.signal import oaconvolve
            x = x + self.room * oaconvolve(x, ir)[:x.size] / np.sqrt(L) * 4
        return x
