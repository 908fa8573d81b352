"""Modelled drum kits standing in for the General MIDI kits (standard, room, power, jazz, brush,
electronic, tr808, orchestra).

Acoustic voices are physical caricatures of recorded drums:
- membranes (kick, snare, toms, hand drums, timpani) are banks of damped circular-membrane modes
  (Bessel ratios 1, 1.59, 2.14, 2.30, 2.65 ...; higher modes die faster) with a tension-modulation
  pitch glide, excited by a beater/stick/hand/mallet transient;
- the snare adds wire buzz (shaped noise gated by the snare-side head motion, its own decay) and rim;
- hats and cymbals are dense clusters of inharmonic partials (ring-modulated square-wave clusters for
  hats, hundreds of random modes for cymbals) plus shaped noise, built with one inverse FFT per band
  and enveloped per band (high bands bloom later and die sooner), with slow shimmer;
- wooden/metal percussion (cowbell, agogo, claves, woodblock, triangle) are small modal banks,
  shakers are grainy noise.
electronic/tr808 kits are sample-like synth voices (sine sweeps, 6-square metal banks, gated noise).

Each AcousticKit instance draws a patch (tuning, damping, hit positions, cymbal identities, mic
distance, overhead/close balance, room) from rng. render_acoustic_kit mixes close-mic and overhead
buses (delayed, high-passed) and a room bus (a synthetic early-reflection + decaying-noise IR,
optionally gated), caches each (note, velocity layer, round-robin) one-shot and varies each hit
slightly (gain, tilt) so repeated hits are not bit-identical.
"""

from __future__ import annotations

import numpy as np
from scipy.fft import irfft, next_fast_len
from scipy.signal import fftconvolve, lfilter

from . import filters as F
from .common import DspError, check_hits, check_length, place
from .drum_machine import nearest_role
from .envelopes import smooth_random
from .oscillators import midi_to_hz

ACOUSTIC_KITS = ("standard", "room", "power", "jazz", "brush", "electronic", "tr808", "orchestra")

# GM note -> role, refining drum_machine.ROLE_OF_NOTE (which is the fallback via nearest_role).
_ROLES = {
    35: "kick", 36: "kick", 37: "rim", 38: "snare", 39: "clap", 40: "snare2",
    42: "hat_closed", 44: "hat_pedal", 46: "hat_open",
    41: "tom", 43: "tom", 45: "tom", 47: "tom", 48: "tom", 50: "tom",
    49: "crash", 57: "crash", 52: "china", 55: "splash", 51: "ride", 59: "ride", 53: "ride_bell",
    54: "tambourine", 56: "cowbell", 58: "shaker",
    60: "bongo", 61: "bongo", 62: "conga", 63: "conga", 64: "conga", 65: "timbale", 66: "timbale",
    67: "agogo", 68: "agogo", 69: "cabasa", 70: "maracas", 73: "guiro", 74: "guiro",
    75: "claves", 76: "woodblock", 77: "woodblock", 80: "triangle_mute", 81: "triangle", 82: "shaker",
    # GS extras below the GM range: high Q, slap, scratches, sticks, square/metronome clicks and bell
    27: "claves", 28: "clap", 29: "guiro", 30: "guiro", 31: "claves", 32: "woodblock", 33: "woodblock",
    34: "triangle_mute",
}
# Orchestra kit: the tom keys become timpani pitched at the note (GS puts timpani on 41-53; TimGM6mb's
# "Orchestra" keeps hats and cymbals on their GM keys, so only the toms move), kick = concert bass drum.
# GS also moves the hats to 27-29 and a ride to 30.
_TIMPANI_NOTES = (41, 43, 45, 47, 48, 50)
_ORCHESTRA_ROLES = {27: "hat_closed", 28: "hat_pedal", 29: "hat_open", 30: "ride"}
# Acoustic tom tunings (Hz of the fundamental mode) by GM note: floor toms low, rack toms higher.
_TOM_HZ = {41: 78, 43: 92, 45: 108, 47: 126, 48: 148, 50: 174}
_HAND_HZ = {60: 430, 61: 300, 62: 360, 63: 340, 64: 225, 65: 470, 66: 340}
# Circular membrane mode ratios; True marks the axisymmetric (0,n) modes a centre hit excites most.
_MEMB = np.array([1.0, 1.594, 2.136, 2.296, 2.653, 2.918, 3.156, 3.501, 3.600, 4.060])
_MEMB_BASE = np.array([1.0, 0.75, 0.55, 0.6, 0.42, 0.35, 0.28, 0.24, 0.3, 0.18])
_AXI = np.array([1, 0, 0, 1, 0, 0, 0, 0, 1, 0], dtype=bool)
_808_METAL = np.array([205.3, 304.4, 369.6, 522.7, 540.0, 800.0])

# Peak level of each role at full velocity (the kit's internal mix balance).
_LEVEL = {"kick": 1.0, "snare": 0.85, "snare2": 0.85, "rim": 0.5, "clap": 0.6, "hat_closed": 0.38,
          "hat_pedal": 0.3, "hat_open": 0.42, "tom": 0.8, "crash": 0.6, "splash": 0.5, "china": 0.55,
          "ride": 0.38, "ride_bell": 0.42, "tambourine": 0.38, "cowbell": 0.42, "bongo": 0.55,
          "conga": 0.6, "timbale": 0.6, "agogo": 0.4, "cabasa": 0.3, "maracas": 0.3, "shaker": 0.3,
          "claves": 0.45, "woodblock": 0.45, "triangle": 0.3, "triangle_mute": 0.3, "guiro": 0.35,
          "timpani": 0.9}
# Close-mic share per role (the rest reaches the mix through the overheads).
_CLOSE = {"kick": 1.0, "snare": 1.0, "snare2": 1.0, "rim": 1.0, "tom": 1.0, "timpani": 0.5, "bongo": 0.8,
          "conga": 0.8, "timbale": 0.8, "clap": 0.6, "crash": 0.0, "splash": 0.0, "china": 0.0, "ride": 0.1,
          "ride_bell": 0.1}
_SHORT = {"kick", "snare", "snare2", "rim", "clap", "hat_closed", "hat_pedal", "tom", "bongo", "conga",
          "timbale", "cabasa", "maracas", "shaker", "claves", "woodblock", "triangle_mute", "guiro",
          "tambourine", "cowbell"}
_LAYER_EDGES = (0.42, 0.74)
_LAYER_REP = (0.3, 0.6, 0.9)

# Patch ranges per kit. Missing keys fall back to "standard".
_PROFILES: dict[str, dict] = {
    "standard": dict(style="acoustic", kick_f=(48, 62), kick_t60=(0.25, 0.55), kick_click=(0.5, 1.0),
                     kick_drop=(0.25, 0.7), beater_w=(0.0012, 0.0025), snare_f=(175, 235), snare_t60=(0.25, 0.6),
                     wire_t60=(0.2, 0.45), wires=(0.7, 1.1), rimshot=(0.0, 0.4), tom_scale=(0.92, 1.12),
                     tom_t60=(0.45, 0.95), hat_closed=(0.06, 0.13), hat_open=(0.6, 1.3), crash_t60=(2.0, 3.0),
                     ride_t60=(2.0, 3.2), room_rt60=(0.3, 0.7), room=(0.12, 0.3), oh=(0.35, 0.8), gated=0.0,
                     bright=(0.85, 1.15), drive=(0.0, 0.4), cym_dark=(0.9, 1.15)),
    "room": dict(room_rt60=(0.6, 1.2), room=(0.35, 0.7), oh=(0.6, 1.0), kick_t60=(0.3, 0.6),
                 hat_open=(0.7, 1.4)),
    "power": dict(kick_f=(42, 55), kick_t60=(0.3, 0.6), kick_click=(0.8, 1.4), beater_w=(0.0009, 0.0016),
                  snare_f=(165, 215), snare_t60=(0.25, 0.45), wire_t60=(0.2, 0.35), rimshot=(0.6, 1.0),
                  tom_scale=(0.8, 0.95), tom_t60=(0.8, 1.3), room_rt60=(0.8, 1.5), room=(0.3, 0.6), gated=0.6,
                  drive=(0.4, 1.4), crash_t60=(2.2, 3.0)),
    "jazz": dict(kick_f=(58, 80), kick_t60=(0.45, 0.9), kick_click=(0.15, 0.5), kick_drop=(0.08, 0.3),
                 beater_w=(0.0025, 0.004), snare_f=(215, 300), snare_t60=(0.2, 0.4), wires=(0.45, 0.8),
                 wire_t60=(0.2, 0.4), rimshot=(0.0, 0.1), tom_scale=(1.1, 1.35), tom_t60=(0.6, 1.1),
                 hat_closed=(0.07, 0.16), hat_open=(0.8, 1.6), crash_t60=(2.4, 3.2), ride_t60=(2.5, 3.5),
                 room_rt60=(0.3, 0.6), room=(0.1, 0.3), bright=(0.7, 0.95), cym_dark=(0.7, 0.9)),
    "brush": dict(kick_f=(58, 80), kick_t60=(0.45, 0.9), kick_click=(0.1, 0.35), kick_drop=(0.08, 0.25),
                  beater_w=(0.003, 0.0045), snare_f=(215, 290), snare_t60=(0.15, 0.3), wires=(0.4, 0.7),
                  wire_t60=(0.2, 0.4), rimshot=(0.0, 0.0), tom_scale=(1.1, 1.35), tom_t60=(0.5, 0.9),
                  hat_closed=(0.08, 0.16), hat_open=(0.8, 1.5), crash_t60=(2.2, 3.0), ride_t60=(2.4, 3.4),
                  room_rt60=(0.3, 0.6), room=(0.1, 0.3), bright=(0.6, 0.85), cym_dark=(0.65, 0.85), brush=True),
    "electronic": dict(style="electronic", room_rt60=(0.3, 1.0), room=(0.05, 0.3), gated=0.4, oh=(0.0, 0.0),
                       drive=(0.3, 1.5), hat_closed=(0.04, 0.09), hat_open=(0.3, 0.8), crash_t60=(1.2, 2.2),
                       ride_t60=(1.2, 2.2)),
    "tr808": dict(style="808", room_rt60=(0.2, 0.5), room=(0.0, 0.12), oh=(0.0, 0.0), drive=(0.0, 0.5),
                  hat_closed=(0.04, 0.08), hat_open=(0.3, 0.7), crash_t60=(1.0, 2.0), ride_t60=(1.0, 2.0)),
    "orchestra": dict(orchestra=True, kick_f=(36, 48), kick_t60=(1.2, 2.2), kick_click=(0.0, 0.08),
                      kick_drop=(0.05, 0.15), beater_w=(0.006, 0.01), snare_f=(250, 330), snare_t60=(0.12, 0.22),
                      wires=(0.9, 1.3), wire_t60=(0.12, 0.25), rimshot=(0.0, 0.0), crash_t60=(2.6, 3.2),
                      room_rt60=(1.6, 2.6), room=(0.45, 0.8), oh=(0.8, 1.0), cym_dark=(0.8, 1.0)),
}


def _profile(kit: str) -> dict:
    p = dict(_PROFILES["standard"])
    p.update(_PROFILES[kit])
    return p


def role_of(note: int, kit: str = "standard") -> str:
    if kit == "orchestra":
        if note in _TIMPANI_NOTES:
            return "timpani"
        if note in _ORCHESTRA_ROLES:
            return _ORCHESTRA_ROLES[note]
    return _ROLES.get(int(note)) or nearest_role(int(note))


# ----------------------------------------------------------------------------- helpers
def _hp(f, fc, order=2):
    return 1.0 / np.sqrt(1.0 + (fc / np.maximum(f, 1e-3)) ** (2 * order))


def _lp(f, fc, order=2):
    return 1.0 / np.sqrt(1.0 + (f / fc) ** (2 * order))


def _bump(f, fc, width_oct, gain):
    return 1.0 + (gain - 1.0) * np.exp(-0.5 * (np.log2(np.maximum(f, 1.0) / fc) / width_oct) ** 2)


def _spectral(L, sr, rng, shape, noise=1.0, freqs=None, amps=None, tonal=0.5):
    """Noise with magnitude response shape(f) plus static partials (also shaped), one inverse FFT.

    tonal: share of the power carried by the partials when both are given. Output RMS about `noise`.
    """
    L = int(L)
    if L < 2:
        return np.zeros(max(L, 0))
    M = next_fast_len(L, real=True)
    N = M // 2 + 1
    f = np.arange(N) * (sr / M)
    g = shape(f)
    spec = (rng.standard_normal(N) + 1j * rng.standard_normal(N)) * g
    e_noise = float(np.sum(np.abs(spec) ** 2)) + 1e-12
    if freqs is not None and len(freqs):
        freqs = np.asarray(freqs, dtype=np.float64)
        k = np.rint(freqs * (M / sr)).astype(np.int64)
        ok = (k > 0) & (k < N - 1)
        ps = np.zeros(N, dtype=np.complex128)
        np.add.at(ps, k[ok], (np.asarray(amps)[ok] * shape(freqs[ok])) * np.exp(2j * np.pi * rng.random(int(ok.sum()))))
        e_part = float(np.sum(np.abs(ps) ** 2)) + 1e-12
        spec = spec * np.sqrt((1 - tonal) / e_noise) + ps * np.sqrt(tonal / e_part)
    else:
        spec = spec / np.sqrt(e_noise)
    spec[0] = 0.0
    x = irfft(spec, M)[:L]
    return x * (noise * M / np.sqrt(2.0))


def _modes(ph, t, f, ratios, amps, t60s, sr):
    """Sum of damped sines a_k sin(2 pi f r_k ph(t)) exp(-6.9 t / T_k); ph is a (warped) time axis."""
    fr = f * np.asarray(ratios, dtype=np.float64)
    ok = (fr < 0.45 * sr) & (fr > 0)
    if not ok.any():
        return np.zeros(t.size)
    fr, a, T = fr[ok], np.asarray(amps, dtype=np.float64)[ok], np.asarray(t60s, dtype=np.float64)[ok]
    arg = (2 * np.pi * fr)[:, None] * ph[None, :]
    env = np.exp((-6.9 / np.maximum(T, 1e-3))[:, None] * t[None, :])
    return np.einsum("k,kl->l", a, np.sin(arg) * env)


def _glide(t, drop, tau):
    """Warped time whose derivative is 1 + drop*exp(-t/tau): a pitch that starts (1+drop) high."""
    return t + drop * tau * (1.0 - np.exp(-t / tau))


def _pulse(L, sr, width_s):
    k = max(2, int(width_s * sr))
    x = np.zeros(L)
    m = min(k, L)
    x[:m] = np.sin(np.pi * np.arange(m) / k)
    return x


def _grains(L, sr, rng, rate, decay_s):
    """Poisson impulse train (random heights) smoothed by a one-pole decay: bead/bristle texture."""
    imp = (rng.random(L) < rate / sr) * rng.uniform(0.3, 1.0, L)
    k = np.exp(-1.0 / max(decay_s * sr, 1.0))
    return lfilter([1.0 - k], [1.0, -k], imp) / max(rate * decay_s, 1e-3) ** 0.5


def _ringmod_cluster(freqs, sr, top=None):
    """Partials of products of square-wave pairs: |m fa +- n fb| for odd m, n, amplitude 1/(m n)."""
    top = top or 0.45 * sr
    fs, am = [], []
    freqs = list(freqs)
    for i in range(0, len(freqs) - 1, 2):
        fa, fb = freqs[i], freqs[i + 1]
        m = np.arange(1, int(top / fa) + 1, 2, dtype=np.float64)
        n = np.arange(1, int(top / fb) + 1, 2, dtype=np.float64)
        mm, nn = np.meshgrid(m, n, indexing="ij")
        a = 1.0 / (mm * nn)
        for sgn in (1.0, -1.0):
            fr = np.abs(mm * fa + sgn * nn * fb)
            ok = (fr > 20) & (fr < top) & (a > 1.0 / 900)
            fs.append(fr[ok])
            am.append(a[ok])
    return np.concatenate(fs), np.concatenate(am)


def _room_ir(sr, rng, rt60, gated):
    """Synthetic room: sparse early reflections + noise tail whose highs decay faster (air/walls)."""
    L = int(min(rt60 * 1.05, 2.8) * sr) if not gated else int(rng.uniform(0.22, 0.4) * sr)
    L = max(L, int(0.05 * sr))
    t = np.arange(L) / sr
    nz = rng.standard_normal(L)
    lo = F.one_pole_lp(nz, sr, rng.uniform(2500, 6000))
    hi = nz - lo
    if gated:  # 80s gated reverb: dense, nearly flat, then shut
        env_lo = np.exp(-t / rng.uniform(0.15, 0.4))
        env_hi = env_lo * np.exp(-t / 0.15)
        gate = np.clip((L / sr - t) / 0.012, 0.0, 1.0)
        tail = (lo * env_lo + 0.5 * hi * env_hi) * gate
    else:
        tail = lo * np.exp(-6.9 * t / rt60) + 0.5 * hi * np.exp(-6.9 * t / (rt60 * rng.uniform(0.3, 0.6)))
    build = 1.0 - np.exp(-t / rng.uniform(0.008, 0.03))
    ir = tail * build
    size = rng.uniform(0.6, 1.6) * (0.5 + rt60)
    early = 8.0 * np.sqrt(np.mean(ir[: int(0.05 * sr)] ** 2) + 1e-9)
    for _ in range(int(rng.integers(6, 16))):
        d = int(rng.uniform(0.002, 0.035) * size * sr)
        if d < L:
            ir[d] += rng.choice([-1.0, 1.0]) * rng.uniform(0.4, 1.0) * early
    ir[0] = 0.0
    return ir / (np.sqrt(np.sum(ir ** 2)) + 1e-12)


def _layer(v: float) -> int:
    return 0 if v < _LAYER_EDGES[0] else (1 if v < _LAYER_EDGES[1] else 2)


def _vgain(v: float) -> float:
    return 0.1 + 0.9 * v ** 1.4


# ----------------------------------------------------------------------------- the kit
class AcousticKit:
    """One drum kit (patch drawn from rng at construction). hit(note, velocity) -> mono one-shot."""

    def __init__(self, kit: str, sr: int, rng: np.random.Generator):
        if kit not in ACOUSTIC_KITS:
            raise DspError(kit, f"unknown kit; allowed: {', '.join(ACOUSTIC_KITS)}")
        self.kit, self.sr, self.rng = kit, int(sr), rng
        P = _profile(kit)
        u = rng.uniform

        def draw(key):
            lo, hi = P[key]
            return float(u(lo, hi))

        self.style = P["style"]
        self.brush = bool(P.get("brush", False))
        self.orchestra = bool(P.get("orchestra", False))
        self.tune = 2 ** (u(-1.5, 1.5) / 12)
        self.damp = u(0.8, 1.2)
        self.bright = draw("bright")
        self.cym_dark = draw("cym_dark")
        self.drive = draw("drive")
        self.q = {k: draw(k) for k in ("kick_f", "kick_t60", "kick_click", "kick_drop", "beater_w", "snare_f",
                                        "snare_t60", "wire_t60", "wires", "rimshot", "tom_scale", "tom_t60",
                                        "hat_closed", "hat_open", "crash_t60", "ride_t60")}
        q = self.q
        q["kick_tau"] = u(0.01, 0.035)
        q["kick_alpha"] = u(1.0, 1.8)
        q["kick_pos"] = u(0.1, 0.5)
        q["kick_shell"] = (u(90, 180), u(250, 520), u(0.05, 0.25))
        q["snare_pos"] = u(0.2, 0.9)
        q["snare_alpha"] = u(0.7, 1.3)
        q["wire_lo"], q["wire_peak"], q["wire_hi"] = u(150, 450), u(2500, 6000), u(9000, 14000)
        q["wire_mod"] = u(0.3, 0.75)
        q["rim_f"] = u(800, 1300)
        q["tom_pos"] = u(0.2, 0.8)
        q["tom_drop"] = u(0.04, 0.14)
        q["tom_detune"] = {nt: u(0.97, 1.03) for nt in (41, 43, 45, 47, 48, 50)}
        q["stick_hi"] = u(6000, 12000) * self.bright
        # the hi-hat pair: ring-modulated square clusters plus a fixed set of high "sizzle" modes
        nh = int(rng.integers(3, 7)) * 2
        hf = np.sort(u(300, 800, nh)) * self.tune
        rng.shuffle(hf)
        self.hat_parts = _ringmod_cluster(hf, self.sr)
        sz = np.exp(u(np.log(4000), np.log(16000), int(rng.integers(60, 160))))
        self.hat_sizzle = (sz, u(0.2, 1.0, sz.size) / 4)
        q["hat_hp"] = u(6000, 7500)
        q["hat_lp"] = u(12000, 17000) * self.bright
        q["hat_tonal"] = u(0.45, 0.8)
        q["hat_slosh"] = u(0.1, 0.35)
        self._cym: dict[str, dict] = {}
        # mics and room
        self.room_rt60 = draw("room_rt60")
        self.room_mix = draw("room")
        self.gated = bool(rng.random() < P["gated"])
        self.oh = draw("oh")
        self.oh_delay = u(0.002, 0.005)
        self.oh_hp = u(70, 250)
        self.oh_lp = u(9000, 16000)
        self.hat_close = u(0.2, 0.6)
        self._ir = None
        self._ref: dict[tuple, float] = {}
        self._cache: dict[tuple, np.ndarray] = {}
        self._bands: dict[tuple, np.ndarray] = {}

    # ------------------------------------------------------------------ plumbing
    def _t(self, L):
        return np.arange(L) / self.sr

    def _L(self, secs):
        return max(int(secs * self.sr), 16)

    def close_share(self, role: str) -> float:
        if self.style != "acoustic":
            return 1.0
        if role.startswith("hat"):
            return self.hat_close
        return _CLOSE.get(role, 0.5)

    def _voice(self, note: int, v: float) -> np.ndarray:
        role = role_of(note, self.kit)
        if self.style != "acoustic":
            fn = getattr(self, "_e_" + role, None)
            if fn is not None:
                return fn(note, v)
        return getattr(self, "_" + role)(note, v)

    def _one_shot(self, note: int, v: float) -> np.ndarray:
        """Dry one-shot at the kit's mix level: peak = level(role) * vgain(v) for the note's first render."""
        x = self._voice(note, v)
        fade = min(x.size // 4, int(0.03 * self.sr))  # every voice ends in a short fade: no end clicks
        if fade > 1:
            x[x.size - fade:] *= np.linspace(1.0, 0.0, fade) ** 2
        key = (role_of(note, self.kit), int(note))
        if key not in self._ref:
            self._ref[key] = (float(np.max(np.abs(x))) + 1e-9) / _vgain(v)
        return x * (_LEVEL.get(key[0], 0.5) / self._ref[key])

    def hit(self, note: int, velocity: int) -> np.ndarray:
        """A mono float64 one-shot of GM drum `note` at MIDI `velocity`, with this kit's mics and room."""
        v = float(np.clip(velocity, 1, 127)) / 127.0
        x = self._one_shot(int(note), v)
        role = role_of(note, self.kit)
        c = self.close_share(role)
        pad = len(x) + (0 if self._room_ir() is None else len(self._room_ir()))
        close, over = np.zeros(pad), np.zeros(pad)
        close[: len(x)] = c * x
        over[: len(x)] = (1 - c + c * self.oh) * x
        return self.mix(close, over)

    def cached(self, note: int, velocity: int) -> np.ndarray:
        """Layered/round-robin cached one-shot with cheap per-hit variation (gain +-1 dB, tilt)."""
        rng = self.rng
        v = float(np.clip(velocity, 1, 127)) / 127.0
        lay = _layer(v)
        role = role_of(note, self.kit)
        rr = int(rng.integers(3)) if role in _SHORT else 0
        key = (int(note), lay, rr)
        if key not in self._cache:
            self._cache[key] = self._one_shot(int(note), _LAYER_REP[lay])
        x = self._cache[key]
        g = _vgain(v) / _vgain(_LAYER_REP[lay]) * 10 ** (rng.uniform(-1.0, 1.0) / 20)
        c = rng.uniform(-0.25, 0.25) * min(1.0, 44100 / self.sr)
        d = np.empty_like(x)
        d[0] = x[0]
        np.subtract(x[1:], x[:-1], out=d[1:])
        d *= c
        d += x
        d *= g
        return d

    def _room_ir(self):
        if self.room_mix <= 0.0:
            return None
        if self._ir is None:
            self._ir = _room_ir(self.sr, self.rng, self.room_rt60, self.gated)
        return self._ir

    def mix(self, close: np.ndarray, over: np.ndarray) -> np.ndarray:
        """Close mics + overheads (distance delay, high-passed, air-damped) + room."""
        sr = self.sr
        y = close.copy()
        if self.oh > 0:
            d = int(self.oh_delay * sr)
            o = F.lowpass(F.highpass(over, sr, self.oh_hp, 1), sr, self.oh_lp, 1)
            y[d:] += o[: len(o) - d] if d else o
        else:
            y += over
        ir = self._room_ir()
        if ir is not None:
            src = close + over
            wet = fftconvolve(src, ir)[: len(src)]
            y += self.room_mix * wet
        if self.drive > 0:
            pk = float(np.max(np.abs(y))) + 1e-12
            y = F.saturate(y / pk, self.drive) * pk
        return y

    # ------------------------------------------------------------------ membranes
    def _membrane_amps(self, pos, v, n=10, tilt=1.0):
        rng = self.rng
        a = _MEMB_BASE[:n] * np.where(_AXI[:n], 1.0, pos) * rng.uniform(0.8, 1.2, n)
        # harder hits (shorter stick contact) excite the higher modes more
        return a * (np.arange(n) + 1.0) ** (-(1.2 - 0.9 * v) * tilt)

    def _stick(self, L, v, lo=800.0, dec=0.0012, hi=None):
        """Stick/beater contact noise: short, brighter with velocity."""
        sr, rng = self.sr, self.rng
        k = min(L, self._L(dec * 8))
        hi = (hi or self.q["stick_hi"]) * (0.5 + 0.6 * v)
        x = np.zeros(L)
        x[:k] = _spectral(k, sr, rng, lambda f: _hp(f, lo, 1) * _lp(f, hi, 2)) * np.exp(-self._t(k) / dec)
        return x

    def _kick(self, note, v):
        q, sr, rng = self.q, self.sr, self.rng
        f = q["kick_f"] * (0.9 if note == 35 else 1.0) * rng.uniform(0.99, 1.01)
        T = q["kick_t60"] * self.damp * (1.15 if note == 35 else 1.0) * (0.9 + 0.2 * v)
        L = self._L(min(T, 3.0) + 0.03)
        t = self._t(L)
        ph = _glide(t, q["kick_drop"] * (0.3 + 0.9 * v), q["kick_tau"])
        amps = self._membrane_amps(q["kick_pos"], v, 6, 1.3)
        body = _modes(ph, t, f, _MEMB[:6], amps, T / _MEMB[:6] ** q["kick_alpha"], sr)
        s1, s2, sa = q["kick_shell"]
        shell = _modes(t, t, s1, [1.0, s2 / s1], [sa, 0.6 * sa], [0.09, 0.06], sr)
        w = q["beater_w"] * (1.3 - 0.5 * v)
        x = body + shell + 0.8 * _pulse(L, sr, w)
        if q["kick_click"] > 0:
            x += q["kick_click"] * (0.2 + v ** 1.5) * self._stick(L, v, 1500.0, rng.uniform(0.0015, 0.004))
        return x * (0.3 + 0.7 * v)

    def _snare(self, note, v):
        if self.brush:
            return self._brush_snare(note, v)
        q, sr, rng = self.q, self.sr, self.rng
        f = q["snare_f"] * self.tune * (1.1 if note == 40 else 1.0) * rng.uniform(0.995, 1.005)
        T = q["snare_t60"] * self.damp * (0.8 if note == 40 else 1.0)
        Tw = q["wire_t60"] * (0.85 + 0.3 * v) * (0.85 if note == 40 else 1.0)
        L = self._L(max(T, Tw) * 1.05 + 0.02)
        t = self._t(L)
        ph = _glide(t, 0.05 * v, rng.uniform(0.015, 0.03))
        amps = self._membrane_amps(q["snare_pos"], v)
        head = _modes(ph, t, f, _MEMB, amps, T / _MEMB ** q["snare_alpha"], sr)
        drive = np.abs(head) / (np.max(np.abs(head)) + 1e-9)
        hi = q["wire_hi"] * (0.6 + 0.5 * v)
        wires = _spectral(L, sr, rng, lambda fr: _hp(fr, q["wire_lo"], 1) * _lp(fr, hi, 2)
                          * _bump(fr, q["wire_peak"], 1.0, 2.5))
        wm = q["wire_mod"]
        wires *= (1 - np.exp(-t / 0.0015)) * np.exp(-6.9 * t / Tw) * (1 - wm + 1.6 * wm * drive)
        x = head + q["wires"] * (0.45 + 0.65 * v) * wires + (0.4 + 1.2 * v * v) * self._stick(L, v)
        rs = q["rimshot"] * v * v
        if rs > 0.02:
            rf = q["rim_f"]
            x += rs * _modes(t, t, rf, [1.0, 1.83, 2.91, 4.12], [0.6, 0.4, 0.3, 0.2], [0.12, 0.08, 0.05, 0.04], sr)
            x += rs * 1.5 * self._stick(L, 1.0, 1500.0, 0.0008)
        return x

    _snare2 = _snare

    def _brush_snare(self, note, v):
        """Brush: a soft wide slap and a swish (slow-rising bristle noise), little head tone."""
        q, sr, rng = self.q, self.sr, self.rng
        L = self._L(rng.uniform(0.35, 0.55))
        t = self._t(L)
        lp = rng.uniform(4000, 7000) * (0.7 + 0.5 * v)
        slap = _spectral(L, sr, rng, lambda f: _hp(f, 350, 1) * _lp(f, lp, 2) * _bump(f, 2500, 1.2, 2.0))
        a = rng.uniform(0.002, 0.006)
        slap *= np.minimum(1, t / a) * np.exp(-6.9 * t / rng.uniform(0.06, 0.14))
        swish = _spectral(L, sr, rng, lambda f: _hp(f, 900, 2) * _lp(f, lp * 0.9, 2))
        sa, st = rng.uniform(0.02, 0.07), rng.uniform(0.18, 0.45)
        env = (1 - np.exp(-t / sa)) * np.exp(-6.9 * t / st)
        swish *= env * (1 + 0.6 * _grains(L, sr, rng, rng.uniform(800, 2500), 0.003))
        f = q["snare_f"] * self.tune
        head = _modes(t, t, f, _MEMB[:5], self._membrane_amps(q["snare_pos"], v * 0.5, 5),
                      [0.15, 0.1, 0.08, 0.08, 0.06], sr)
        return (0.5 + 0.8 * v) * slap + rng.uniform(0.5, 0.9) * swish + (0.25 + 0.35 * v) * head

    def _drum(self, f, T, v, pos, drop, tau, attack, alpha=1.0, n=8, dur=None, attack_lo=700.0, attack_dec=0.0012,
              attack_hi=None):
        sr = self.sr
        L = self._L(min(T if dur is None else dur, 3.0) + 0.02)
        t = self._t(L)
        ph = _glide(t, drop * (0.3 + 0.9 * v), tau)
        body = _modes(ph, t, f, _MEMB[:n], self._membrane_amps(pos, v, n), T / _MEMB[:n] ** alpha, sr)
        return body + attack * (0.3 + v) * self._stick(L, v, attack_lo, attack_dec, attack_hi)

    def _tom(self, note, v):
        q, rng = self.q, self.rng
        base = _TOM_HZ.get(note) or 60.0 * 2 ** ((note - 35) / 12.0)
        f = base * q["tom_scale"] * self.tune * q["tom_detune"].get(note, 1.0) * rng.uniform(0.995, 1.005)
        T = q["tom_t60"] * self.damp * (100.0 / f) ** 0.35
        if self.brush:
            return self._drum(f, T * 0.7, v * 0.7, q["tom_pos"], q["tom_drop"] * 0.5, 0.06, 0.8, attack_dec=0.004)
        return self._drum(f, T, v, q["tom_pos"], q["tom_drop"], rng.uniform(0.04, 0.09), 1.2)

    def _timpani(self, note, v):
        sr, rng = self.sr, self.rng
        f = float(midi_to_hz(note)) * 2 ** (rng.uniform(-5, 5) / 1200)
        T = rng.uniform(1.6, 3.0)
        L = self._L(min(T, 2.6))
        t = self._t(L)
        r = np.array([1.0, 1.50, 1.98, 2.44, 2.90, 3.36, 3.80]) * rng.uniform(0.995, 1.005, 7)
        a = np.array([1.0, 0.6, 0.45, 0.3, 0.18, 0.1, 0.06]) * (np.arange(7) + 1.0) ** (-(0.8 - 0.6 * v))
        ph = _glide(t, 0.012 * v, 0.06)
        x = _modes(ph, t, f, r, a, T / r ** 1.2, sr)
        x += 0.5 * _modes(t, t, f * rng.uniform(0.6, 0.75), [1.0], [1.0], [0.15], sr)  # the (0,1) thump
        x += 0.6 * _pulse(L, sr, rng.uniform(0.004, 0.008)) + 0.2 * v * self._stick(L, v, 300.0, 0.003, 3000)
        return x

    def _bongo(self, note, v):
        f = _HAND_HZ[note if note in (60, 61) else 60] * self.tune * self.rng.uniform(0.97, 1.03)
        return self._drum(f, self.rng.uniform(0.15, 0.3), v, 0.6, 0.05, 0.02, 0.6, alpha=1.2, n=6,
                          attack_lo=800.0, attack_dec=0.002, attack_hi=4000.0)

    def _conga(self, note, v):
        rng = self.rng
        f = _HAND_HZ.get(note, 340) * self.tune * rng.uniform(0.97, 1.03)
        if note == 62:  # muted slap
            return self._drum(f, rng.uniform(0.05, 0.1), v, 0.8, 0.03, 0.02, 1.0, n=8, attack_lo=700.0,
                              attack_dec=0.004, attack_hi=3500.0)
        return self._drum(f, rng.uniform(0.35, 0.7), v, 0.5, 0.04, 0.03, 0.5, alpha=1.2, n=7,
                          attack_lo=500.0, attack_dec=0.002, attack_hi=3000.0)

    def _timbale(self, note, v):
        sr, rng = self.sr, self.rng
        f = _HAND_HZ.get(note, 400) * self.tune * rng.uniform(0.97, 1.03)
        x = self._drum(f, rng.uniform(0.5, 0.9), v, 0.7, 0.03, 0.03, 1.5, n=8)
        t = self._t(len(x))
        shell = np.exp(rng.uniform(np.log(1800), np.log(6000), 6))
        x += 0.25 * _modes(t, t, 1.0, shell, rng.uniform(0.3, 1.0, 6), rng.uniform(0.15, 0.4, 6), sr)
        return x

    # ------------------------------------------------------------------ small percussion
    def _rim(self, note, v):
        """Side stick: stick across the rim -- a woody knock, rim ring, damped head."""
        q, sr, rng = self.q, self.sr, self.rng
        L = self._L(0.12)
        t = self._t(L)
        head = _modes(t, t, q["snare_f"] * self.tune, _MEMB[:4], [1.0, 0.5, 0.4, 0.5], [0.07, 0.05, 0.04, 0.04], sr)
        wood = _modes(t, t, rng.uniform(450, 700), [1.0, 2.7, 5.1], [1.0, 0.6, 0.3], [0.05, 0.03, 0.02], sr)
        ring = _modes(t, t, rng.uniform(1500, 2300), [1.0, 1.6], [0.5, 0.3], [0.05, 0.04], sr)
        return 0.4 * head + wood + ring + 1.0 * self._stick(L, v, 1000.0, 0.001)

    def _clap(self, note, v):
        sr, rng = self.sr, self.rng
        if self.orchestra:  # castanets: two quick wooden clicks
            L = self._L(0.1)
            t = self._t(L)
            x = np.zeros(L)
            f = rng.uniform(1800, 2600)
            for k, d in enumerate((0.0, rng.uniform(0.012, 0.03))):
                s = int(d * sr)
                x[s:] += (1 - 0.4 * k) * _modes(t[: L - s], t[: L - s], f, [1.0, 1.9, 3.1], [1.0, 0.5, 0.3],
                                                [0.03, 0.02, 0.015], sr)
            return x
        L = self._L(rng.uniform(0.25, 0.45))
        t = self._t(L)
        lo, hi = rng.uniform(600, 1100), rng.uniform(2500, 5000)
        nz = _spectral(L, sr, rng, lambda f: _hp(f, lo, 2) * _lp(f, hi, 2) * _bump(f, 1300, 0.7, 2.0))
        env = np.zeros(L)
        tb = 0.0
        for b in range(int(rng.integers(3, 6))):  # several hands a few ms apart, then the room
            burst = np.exp(-np.maximum(t - tb, 0) / rng.uniform(0.003, 0.007))
            env += np.where(t >= tb, burst, 0.0) * rng.uniform(0.6, 1)
            tb += rng.uniform(0.004, 0.014)
        env += 0.35 * np.where(t >= tb, np.exp(-np.maximum(t - tb, 0) / rng.uniform(0.03, 0.1)), 0.0)
        return nz * env

    def _cowbell(self, note, v):
        sr, rng = self.sr, self.rng
        L = self._L(0.6)
        t = self._t(L)
        f = rng.uniform(540, 600) * self.tune
        r = np.array([1.0, rng.uniform(1.45, 1.55), rng.uniform(2.2, 2.4), rng.uniform(2.9, 3.2),
                      rng.uniform(4.2, 4.6)])
        x = _modes(t, t, f, r, [1.0, 0.8, 0.35, 0.25, 0.15], [0.5, 0.4, 0.2, 0.15, 0.1], sr)
        x *= 0.35 + 0.65 * np.exp(-t / rng.uniform(0.012, 0.03))  # the cup chokes the first ring quickly
        return x + 0.6 * self._stick(L, v, 1500.0, 0.001)

    def _agogo(self, note, v):
        sr, rng = self.sr, self.rng
        L = self._L(0.9)
        t = self._t(L)
        f = (rng.uniform(900, 1050) if note == 67 else rng.uniform(650, 780)) * self.tune
        x = _modes(t, t, f, [1.0, 2.45, 4.1, 5.6], [1.0, 0.5, 0.25, 0.15], [0.9, 0.5, 0.3, 0.2], sr)
        return x + 0.5 * self._stick(L, v, 1500.0, 0.001)

    def _claves(self, note, v):
        sr, rng = self.sr, self.rng
        L = self._L(0.15)
        t = self._t(L)
        f = rng.uniform(2200, 2700) * self.tune
        x = _modes(t, t, f, [1.0, 2.72], [1.0, 0.2], [rng.uniform(0.07, 0.13), 0.04], sr)
        return x + 0.3 * self._stick(L, v, 1500.0, 0.0006)

    def _woodblock(self, note, v):
        sr, rng = self.sr, self.rng
        L = self._L(0.12)
        t = self._t(L)
        f = (rng.uniform(1000, 1300) if note != 77 else rng.uniform(700, 900)) * self.tune
        x = _modes(t, t, f, [1.0, 1.85, 3.3], [1.0, 0.4, 0.2], [rng.uniform(0.05, 0.09), 0.04, 0.025], sr)
        return x + 0.5 * self._stick(L, v, 800.0, 0.0008)

    def _triangle(self, note, v, mute=False):
        sr, rng = self.sr, self.rng
        T = rng.uniform(0.08, 0.15) if mute else rng.uniform(1.6, 2.6)
        L = self._L(min(T, 2.2))
        f = rng.uniform(600, 950)
        k = np.arange(1, int(0.45 * sr / f) + 1, dtype=np.float64)
        fr = f * k * (1 + 0.002 * k * rng.uniform(0.5, 1.5, k.size))
        t = self._t(L)
        lo = _spectral(L, sr, rng, lambda x: _bump(x, 5000, 1.0, 4.0) * _lp(x, 4000, 1), 1.0, fr, 1 / k ** 0.5, 0.97)
        hi = _spectral(L, sr, rng, lambda x: _hp(x, 4000, 1) * _bump(x, 6000, 0.8, 3.0), 1.0, fr, 1 / k ** 0.5, 0.97)
        x = lo * np.exp(-6.9 * t / T) + hi * np.exp(-6.9 * t / (T * 0.6))
        return x * np.minimum(1, t / 0.0003)

    def _triangle_mute(self, note, v):
        return self._triangle(note, v, mute=True)

    def _shaker_like(self, v, lo, peak, hi, att, t60, rate, tonal=None):
        sr, rng = self.sr, self.rng
        L = self._L(att + t60 * 1.1)
        t = self._t(L)
        shape = lambda f: _hp(f, lo, 2) * _lp(f, hi, 2) * _bump(f, peak, 0.8, 2.5)  # noqa: E731
        if tonal is None:
            x = _spectral(L, sr, rng, shape)
        else:
            x = _spectral(L, sr, rng, shape, 1.0, tonal, np.ones(len(tonal)), 0.4)
        env = np.where(t < att, t / att, np.exp(-6.9 * np.maximum(t - att, 0) / t60))
        return x * env * (0.3 + _grains(L, sr, rng, rate, 0.0015))

    def _shaker(self, note, v):
        rng = self.rng
        return self._shaker_like(v, rng.uniform(3500, 5000), rng.uniform(6000, 9000), 14000,
                                 rng.uniform(0.008, 0.025), rng.uniform(0.06, 0.14), rng.uniform(1500, 4000))

    def _maracas(self, note, v):
        rng = self.rng
        return self._shaker_like(v, rng.uniform(2500, 3500), rng.uniform(4500, 6500), 11000,
                                 rng.uniform(0.004, 0.012), rng.uniform(0.04, 0.09), rng.uniform(2500, 6000))

    def _cabasa(self, note, v):
        rng = self.rng
        beads = np.exp(rng.uniform(np.log(3000), np.log(12000), 40))
        return self._shaker_like(v, rng.uniform(2500, 3500), rng.uniform(6000, 9000), 14000,
                                 rng.uniform(0.01, 0.03), rng.uniform(0.07, 0.15), rng.uniform(2000, 5000), beads)

    def _guiro(self, note, v):
        sr, rng = self.sr, self.rng
        d = rng.uniform(0.08, 0.14) if note == 73 else rng.uniform(0.25, 0.4)
        L = self._L(d + 0.05)
        imp = np.zeros(L)
        rate = rng.uniform(40, 80)
        for s in np.arange(0.0, d, 1.0 / rate):
            imp[int(s * sr)] = rng.uniform(0.6, 1.0)
        k = np.exp(-1.0 / (0.002 * sr))
        env = lfilter([1 - k], [1, -k], imp)
        pk = rng.uniform(1800, 3000)
        nz = _spectral(L, sr, rng, lambda f: _hp(f, 1000, 2) * _lp(f, 6000, 2) * _bump(f, pk, 0.5, 4))
        return nz * env

    def _tambourine(self, note, v):
        sr, rng = self.sr, self.rng
        L = self._L(0.5)
        t = self._t(L)
        jing = np.exp(rng.uniform(np.log(4500), np.log(14000), 70))
        src = _spectral(L, sr, rng, lambda f: _hp(f, 3500, 2) * _lp(f, 15000, 2), 1.0, jing,
                        rng.uniform(0.3, 1.0, jing.size), 0.6)
        env = np.zeros(L)
        tj = 0.0
        for _ in range(int(rng.integers(3, 7))):  # jingles colliding over the first tens of ms
            clash = np.exp(-np.maximum(t - tj, 0) / rng.uniform(0.01, 0.03))
            env += np.where(t >= tj, clash, 0.0) * rng.uniform(0.4, 1)
            tj += rng.uniform(0.003, 0.012)
        env += 0.4 * np.exp(-6.9 * t / rng.uniform(0.2, 0.4)) * np.minimum(1, t / 0.01)
        frame = _spectral(L, sr, rng, lambda f: _hp(f, 150, 1) * _lp(f, 900, 2)) * np.exp(-t / 0.01)
        return src * env + 0.3 * v * frame

    # ------------------------------------------------------------------ hats and cymbals
    def _hat_src(self, L, shape, tonal=None):
        q = self.q
        fr, am = self.hat_parts
        sz, sa = self.hat_sizzle
        freqs, amps = np.concatenate([fr, sz]), np.concatenate([am, sa])
        return _spectral(L, self.sr, self.rng, shape, 1.0, freqs, amps, q["hat_tonal"] if tonal is None else tonal)

    def _hat_closed(self, note, v):
        q = self.q
        T = q["hat_closed"] * (0.8 + 0.4 * v) * self.rng.uniform(0.9, 1.1)
        L = self._L(T * 1.1 + 0.005)
        t = self._t(L)
        hi = q["hat_lp"] * (0.75 + 0.35 * v)
        x = self._hat_src(L, lambda f: _hp(f, q["hat_hp"], 3) * _lp(f, hi, 2))
        env = 0.75 * np.exp(-6.9 * t / T) + 0.25 * np.exp(-6.9 * t / (T * 0.25))
        return x * env * np.minimum(1, t / 0.0003)

    def _hat_pedal(self, note, v):
        """Foot 'chick': softer attack, lower and shorter than a stick hit, a little mid-band clack."""
        q, sr, rng = self.q, self.sr, self.rng
        T = q["hat_closed"] * rng.uniform(0.6, 1.0)
        L = self._L(T * 1.1 + 0.01)
        t = self._t(L)
        x = self._hat_src(L, lambda f: _hp(f, q["hat_hp"] * 0.8, 3) * _lp(f, q["hat_lp"] * 0.7, 2))
        chick = _spectral(L, sr, rng, lambda f: _hp(f, 800, 2) * _lp(f, 3000, 2))
        a = rng.uniform(0.001, 0.004)
        return (x + 0.15 * chick) * np.minimum(1, t / a) * np.exp(-6.9 * t / T)

    def _hat_open(self, note, v):
        q, sr, rng = self.q, self.sr, self.rng
        T = q["hat_open"] * (0.85 + 0.3 * v)
        L = self._L(T * 1.05)
        t = self._t(L)
        hi = q["hat_lp"] * (0.8 + 0.3 * v)
        x = self._hat_src(L, lambda f: _hp(f, q["hat_hp"] * 0.85, 3) * _lp(f, hi, 2))
        slosh = 1 + q["hat_slosh"] * smooth_random(L, sr, rng.uniform(10, 25), rng)  # the two plates rattle
        env = (0.7 * np.exp(-6.9 * t / T) + 0.3 * np.exp(-6.9 * t / 0.04)) * slosh
        return x * env * np.minimum(1, t / 0.0004)

    def _cym_identity(self, kind):
        """Per-kit cymbal: its mode set and spectral/decay character (drawn once, lazily)."""
        if kind in self._cym:
            return self._cym[kind]
        rng, q, dk = self.rng, self.q, self.cym_dark
        u = rng.uniform
        if kind == "crash":
            c = dict(T=q["crash_t60"], peak=u(4000, 8000) * dk, low=u(0.15, 0.35), n=400, fmin=250, bloom=u(0.6, 1.5))
        elif kind == "splash":
            c = dict(T=u(0.7, 1.3), peak=u(5000, 9000) * dk, low=u(0.1, 0.25), n=300, fmin=450, bloom=u(0.3, 0.8))
        elif kind == "china":
            c = dict(T=u(1.3, 2.4), peak=u(1500, 3500), low=u(0.7, 1.2), n=450, fmin=200, bloom=u(0.8, 1.6))
        else:  # ride / ride bell wash
            c = dict(T=q["ride_t60"], peak=u(3000, 5000) * dk, low=u(0.2, 0.4), n=350, fmin=300, bloom=u(0.3, 0.8))
        c["freqs"] = np.exp(u(np.log(c["fmin"]), np.log(16000), c["n"])) * self.tune
        c["amps"] = u(0.2, 1.0, c["n"])
        c["beta"] = u(0.25, 0.6)
        c["shimmer"] = u(0.05, 0.2) if kind != "china" else u(0.2, 0.4)
        c["ping"] = np.sort(u(500, 5000, 8))
        c["bell_f"] = u(650, 950) * self.tune
        c["bell_r"] = np.array([1.0, 1.48, 2.04, 2.52, 3.06, 3.95]) * u(0.98, 1.02, 6)
        self._cym[kind] = c
        return c

    def _cym_bands(self, kind, T_scale=1.0):
        """Four enveloped bands of one cymbal's wash (cached per kind: velocity layers only re-weight them)."""
        key = (kind, T_scale)
        if key in self._bands:
            return self._bands[key]
        sr, rng = self.sr, self.rng
        c = self._cym_identity(kind)
        T = c["T"] * T_scale
        L = self._L(min(T, 3.2))
        t = self._t(L)
        edges = (c["fmin"], 1200.0, 3500.0, 7000.0, 18000.0)
        pk, low = c["peak"], c["low"]
        bands = []
        for b in range(4):
            lo, hi = edges[b], edges[b + 1]
            fc = np.sqrt(lo * hi)

            def shape(f, lo=lo, hi=hi):
                tilt = _bump(f, pk, 1.3, 3.0) * (low + (1 - low) * _hp(f, 1500, 1)) * _lp(f, 14000 * self.cym_dark, 2)
                return tilt * _hp(f, lo, 2) * _lp(f, hi, 2)

            x = _spectral(L, sr, rng, shape, 1.0, c["freqs"], c["amps"], 0.6)
            Tb = T * (1500.0 / fc) ** c["beta"]
            att = (0.0005, 0.002, 0.006, 0.015)[b] * c["bloom"]
            env = (1 - np.exp(-t / att)) * np.exp(-6.9 * t / Tb)
            if b >= 2:
                env = env * (1 + c["shimmer"] * smooth_random(L, sr, rng.uniform(4, 12), rng))
            gain = float(np.sqrt(np.mean(shape(np.geomspace(lo, hi, 64)) ** 2)))
            bands.append(x * env * gain)
        fade = min(L, int(0.15 * sr))
        out = np.array(bands)
        out[:, L - fade:] *= np.linspace(1, 0, fade)
        self._bands[key] = out
        return out

    def _cymbal(self, kind, v, T_scale=1.0, wash=1.0):
        bands = self._cym_bands(kind, T_scale)
        w = np.array([v ** 0.3, v ** 0.6, v ** 1.0, v ** 1.6]) * wash
        x = w @ bands
        stick = self._stick(len(x), v, 2000.0, 0.002 if not self.brush else 0.01)
        return x + (0.5 if not self.brush else 0.2) * v * stick

    def _crash(self, note, v):
        return self._cymbal("crash", v, 1.0 if note != 57 else 0.9)

    def _splash(self, note, v):
        return self._cymbal("splash", v)

    def _china(self, note, v):
        return self._cymbal("china", v)

    def _ride_part(self, which, L):
        """The ride's stick 'ping' partials or its bell, rendered once per kit."""
        key = (which, L)
        if key not in self._bands:
            c = self._cym_identity("ride")
            t = self._t(L)
            if which == "ping":
                self._bands[key] = _modes(t, t, 1.0, c["ping"], np.full(8, 0.25), self.rng.uniform(0.5, 1.0, 8),
                                          self.sr)
            else:
                self._bands[key] = _modes(t, t, c["bell_f"], c["bell_r"], [1.0, 0.7, 0.6, 0.4, 0.3, 0.2],
                                          self.rng.uniform(1.8, 2.6) / c["bell_r"] ** 0.7, self.sr)
        return self._bands[key]

    def _ride(self, note, v):
        x = self._cymbal("ride", v, wash=0.5)
        L2 = min(len(x), self._L(1.2))
        x[:L2] += self._ride_part("ping", L2) * (0.5 + v) * (0.04 if self.brush else 0.12)
        return x

    def _ride_bell(self, note, v):
        x = self._cymbal("ride", v, wash=0.35)
        return x + (0.2 + 0.25 * v) * self._ride_part("bell", len(x))

    # ------------------------------------------------------------------ electronic / 808 voices
    def _e_kick(self, note, v):
        sr, rng = self.sr, self.rng
        is808 = self.style == "808"
        key = "e_kick"
        if key not in self.q:
            if is808:  # (end Hz, start/end pitch ratio, sweep time constant, T60)
                self.q[key] = (rng.uniform(45, 58), rng.uniform(1.2, 1.6), rng.uniform(0.006, 0.02),
                               rng.uniform(0.5, 1.6))
            else:
                self.q[key] = (rng.uniform(48, 62), rng.uniform(3.0, 5.0), rng.uniform(0.01, 0.025),
                               rng.uniform(0.25, 0.55))
        f, start, tau, T = self.q[key]
        L = self._L(min(T, 2.0) + 0.01)
        t = self._t(L)
        x = np.sin(2 * np.pi * f * _glide(t, (start - 1) * (0.6 + 0.4 * v), tau)) * np.exp(-6.9 * t / T)
        if not is808:
            x = F.saturate(x, rng.uniform(0.5, 2.0))
            x += 0.4 * v * self._stick(L, v, 2000.0, 0.002)
        else:
            x += 0.15 * _pulse(L, sr, 0.0008)
        return x

    def _e_snare(self, note, v):
        sr, rng = self.sr, self.rng
        is808 = self.style == "808"
        key = "e_snare"
        if key not in self.q:
            self.q[key] = (rng.uniform(170, 240), rng.uniform(1.55, 1.8), rng.uniform(0.08, 0.2),
                           rng.uniform(1500, 2500) if is808 else rng.uniform(700, 1500), rng.uniform(0.15, 0.35))
        f, r2, Tt, hp, Tn = self.q[key]
        gated = (note == 40) and not is808
        L = self._L((0.3 if gated else max(Tt, Tn)) + 0.02)
        t = self._t(L)
        ph = _glide(t, 0.0 if is808 else 0.3, 0.01)
        tone = _modes(ph, t, f * self.tune, [1.0, r2], [1.0, 0.6], [Tt, Tt * 0.6], sr)
        top = rng.uniform(8000, 12000)
        nz = _spectral(L, sr, rng, lambda fr: _hp(fr, hp, 2) * _lp(fr, top, 2))
        if gated:
            gl = rng.uniform(0.12, 0.22)
            nz *= np.clip((gl - t) / 0.01, 0, 1) * (0.6 + 0.4 * np.exp(-t / 0.05))
        else:
            nz *= np.exp(-6.9 * t / Tn)
        return tone + rng.uniform(0.5, 1.0) * (0.6 + 0.4 * v) * nz * 0.5

    _e_snare2 = _e_snare

    def _e_tom(self, note, v):
        sr, rng = self.sr, self.rng
        base = _TOM_HZ.get(note) or 60.0 * 2 ** ((note - 35) / 12.0)
        is808 = self.style == "808"
        f = base * self.tune * (0.9 if is808 else 1.0)
        T = rng.uniform(0.25, 0.6) if is808 else rng.uniform(0.4, 0.9)
        drop = rng.uniform(0.1, 0.3) if is808 else rng.uniform(0.6, 1.4)  # Simmons: big downward sweep
        L = self._L(T + 0.02)
        t = self._t(L)
        x = np.sin(2 * np.pi * f * _glide(t, drop, rng.uniform(0.03, 0.12))) * np.exp(-6.9 * t / T)
        if not is808:
            x += 0.3 * _spectral(L, sr, rng, lambda fr: _hp(fr, 300, 1) * _lp(fr, 4000, 1)) * np.exp(-t / 0.03)
        return x

    def _e_conga(self, note, v):
        if self.style != "808":
            return self._conga(note, v)
        sr, rng = self.sr, self.rng
        f = _HAND_HZ.get(note, 340) * self.tune
        T = rng.uniform(0.15, 0.35) if note != 62 else 0.08
        L = self._L(T + 0.01)
        t = self._t(L)
        return np.sin(2 * np.pi * f * _glide(t, 0.15, 0.01)) * np.exp(-6.9 * t / T)

    def _e_metal(self, L, shape):
        if self.style == "808":
            fs = []
            am = []
            for f0 in _808_METAL * self.tune:
                k = np.arange(1, int(0.45 * self.sr / f0) + 1, 2, dtype=np.float64)
                fs.append(f0 * k)
                am.append(1 / k)
            return _spectral(L, self.sr, self.rng, shape, 1.0, np.concatenate(fs), np.concatenate(am), 0.95)
        fr, am = self.hat_parts
        x = _spectral(L, self.sr, self.rng, shape, 1.0, fr, am, 0.75)
        return np.round(x * 24) / 24  # sample-ROM grit

    def _e_hat(self, T, v, hp, slosh=0.0):
        sr, rng = self.sr, self.rng
        L = self._L(T * 1.1 + 0.005)
        t = self._t(L)
        x = self._e_metal(L, lambda f: _hp(f, hp, 3) * _lp(f, 13000, 2))
        env = np.exp(-6.9 * t / T) * np.minimum(1, t / 0.0003)
        if slosh:
            env *= 1 + slosh * smooth_random(L, sr, 15, rng)
        return x * env

    def _e_hat_closed(self, note, v):
        return self._e_hat(self.q["hat_closed"], v, 7000)

    def _e_hat_pedal(self, note, v):
        return self._e_hat(self.q["hat_closed"] * 0.8, v, 5500)

    def _e_hat_open(self, note, v):
        return self._e_hat(self.q["hat_open"], v, 6500, 0.1)

    def _e_cym(self, T, v, hp, reverse=False):
        sr, rng = self.sr, self.rng
        L = self._L(T)
        t = self._t(L)
        x = self._e_metal(L, lambda f: _hp(f, hp, 4) * _lp(f, 14000, 2) * _bump(f, 8000, 1, 2))
        x += 0.6 * _spectral(L, sr, rng, lambda f: _hp(f, hp, 2) * _lp(f, 12000, 2))
        env = np.exp(-6.9 * t / T) * np.minimum(1, t / 0.001)
        if reverse:
            env = env[::-1] * np.clip((L - np.arange(L)) / (0.01 * sr), 0, 1)
        return x * env

    def _e_crash(self, note, v):
        return self._e_cym(self.q["crash_t60"], v, 3500)

    def _e_splash(self, note, v):
        return self._e_cym(self.q["crash_t60"] * 0.5, v, 5000)

    def _e_china(self, note, v):
        if self.style == "electronic":  # GS electronic kit: reverse cymbal on the china key
            return self._e_cym(self.rng.uniform(0.8, 1.6), v, 3000, reverse=True)
        return self._e_cym(self.q["crash_t60"], v, 2500)

    def _e_ride(self, note, v):
        return self._e_cym(self.q["ride_t60"], v, 5000) * (0.8 + 0.2 * v)

    def _e_cowbell(self, note, v):
        if self.style != "808":
            return self._cowbell(note, v)
        sr, rng = self.sr, self.rng
        L = self._L(0.5)
        t = self._t(L)
        fs, am = [], []
        for f0 in (540.0 * self.tune, 800.0 * self.tune):
            k = np.arange(1, int(0.45 * sr / f0) + 1, 2, dtype=np.float64)
            fs.append(f0 * k)
            am.append(1 / k)
        x = _spectral(L, sr, rng, lambda f: _hp(f, 500, 2) * _lp(f, 3000, 2), 1.0, np.concatenate(fs),
                      np.concatenate(am), 0.97)
        return x * (0.6 * np.exp(-t / 0.012) + 0.4 * np.exp(-6.9 * t / rng.uniform(0.25, 0.45)))

    def _e_claves(self, note, v):
        if self.style != "808":
            return self._claves(note, v)
        L = self._L(0.1)
        t = self._t(L)
        return np.sin(2 * np.pi * 2500 * self.tune * t) * np.exp(-6.9 * t / self.rng.uniform(0.04, 0.08))

    def _e_rim(self, note, v):
        sr = self.sr
        L = self._L(0.06)
        t = self._t(L)
        x = _modes(t, t, 1.0, [500 * self.tune, 1700 * self.tune], [0.6, 1.0], [0.03, 0.02], sr)
        return F.highpass(x + 0.3 * self._stick(L, v, 1000.0, 0.0005), sr, 300)

    def _e_clap(self, note, v):
        """808/909 clap: narrower band (around 1 kHz) than a real one, machine-regular bursts."""
        sr, rng = self.sr, self.rng
        L = self._L(rng.uniform(0.2, 0.4))
        t = self._t(L)
        fc = rng.uniform(900, 1400)
        nz = _spectral(L, sr, rng, lambda f: _hp(f, fc * 0.7, 2) * _lp(f, fc * 2.2, 2))
        gap = rng.uniform(0.008, 0.012)
        env = sum(np.where(t >= b * gap, np.exp(-np.maximum(t - b * gap, 0) / 0.004), 0.0) * (t < (b + 1) * gap)
                  for b in range(3))
        env = env + 0.6 * np.where(t >= 3 * gap, np.exp(-np.maximum(t - 3 * gap, 0) / rng.uniform(0.05, 0.12)), 0.0)
        return nz * env

    def _e_maracas(self, note, v):
        if self.style != "808":
            return self._maracas(note, v)
        sr, rng = self.sr, self.rng
        L = self._L(0.08)
        t = self._t(L)
        env = np.where(t < 0.005, t / 0.005, np.exp(-(t - 0.005) / 0.012))
        return _spectral(L, sr, rng, lambda f: _hp(f, 5000, 2)) * env


# ----------------------------------------------------------------------------- render
def render_acoustic_kit(kit: str, hits: list[tuple[float, int, int]], duration_s: float, sr: int,
                        rng: np.random.Generator) -> np.ndarray:
    """Render GM-drum hits [(start_s, note, velocity)] on a modelled kit; mono float64 (n,), any level.

    An open hi-hat is cut (8 ms fade) when a closed or pedal hat follows it.
    """
    if kit not in ACOUSTIC_KITS:
        raise DspError(kit, f"unknown kit; allowed: {', '.join(ACOUSTIC_KITS)}")
    sr = int(sr)
    n = check_length(duration_s, sr)
    if n == 0 or not hits:
        return np.zeros(n)
    clean = check_hits(hits)
    k = AcousticKit(kit, sr, rng)
    roles = [role_of(nt, kit) for _, nt, _ in clean]
    closes = np.array([s for (s, _, _), r in zip(clean, roles) if r in ("hat_closed", "hat_pedal")])
    close, over = np.zeros(n), np.zeros(n)
    for (start, note, vel), role in zip(clean, roles):
        s = int(round(start * sr))
        if s >= n:
            continue
        sig = k.cached(note, vel)
        if role == "hat_open" and closes.size:
            later = closes[closes > start + 1e-4]
            if later.size:
                cut = int(round((later[0] - start) * sr))
                if cut < sig.size:
                    sig = sig[:cut]
                    f = min(cut, int(0.008 * sr))
                    if f > 0:
                        sig[cut - f:] *= np.linspace(1, 0, f)
        c = k.close_share(role)
        if c > 0:
            place(close, s, sig * c if c != 1.0 else sig)
        w = 1 - c + c * k.oh
        if w > 0:
            place(over, s, sig * w)
    return k.mix(close, over)
