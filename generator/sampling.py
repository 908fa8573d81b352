"""Random plans: balanced draws over styles, instruments, tempi, keys and kinds.

`random_plan(rng, kind=None, style=None)` is what the corpus builder and tests use; every choice
comes from the numpy Generator passed in, so a (seed, index) pair names one plan forever.
"""
from __future__ import annotations

import numpy as np

from . import theory
from .plan import DRUM_ONESHOTS, Part, Plan
from .styles import STYLES

ONESHOT_WEIGHTS = {"kick": 8, "snare": 7, "clap": 4, "hat_closed": 5, "hat_open": 3, "cymbal": 4,
                   "tom": 4, "percussion": 6, "bass_hit": 7, "chord_stab": 7, "pad_swell": 5,
                   "riser": 3, "impact": 3, "note": 18, "sfx": 14}
ONESHOT_DRUM_NOTES = {
    "kick": ("kick", "kick2"), "snare": ("snare", "snare2", "rim"), "clap": ("clap",),
    "hat_closed": ("hat_closed", "hat_pedal"), "hat_open": ("hat_open",),
    "cymbal": ("crash", "ride", "china", "splash", "ride_bell", "crash2"),
    "tom": ("tom_low", "tom_lowmid", "tom_mid", "tom_hi", "tom_hi2"),
    "percussion": ("cowbell", "tambourine", "bongo_hi", "bongo_lo", "conga_hi", "conga_lo", "conga_mute",
                   "timbale_hi", "agogo", "cabasa", "maracas", "claves", "woodblock", "triangle", "shaker"),
}
SPEECH_SHARE = 0.2  # of sound-effect one-shots
MACHINE_ONESHOTS = {"kick", "snare", "clap", "hat_closed", "hat_open", "cymbal", "tom", "percussion"}


def _choice(rng: np.random.Generator, items):
    items = list(items)
    return items[int(rng.integers(len(items)))]


def _weighted(rng: np.random.Generator, weights: dict):
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def available(instruments) -> list[str]:
    """Drop synth voices / machines the DSP module does not provide."""
    from . import dsp
    out = []
    for inst in instruments:
        if inst.startswith("synth:") and inst[6:] not in dsp.SYNTH_VOICES:
            continue
        if inst.startswith("machine:") and inst[8:] not in dsp.DRUM_MACHINES:
            continue
        out.append(inst)
    return out


def _mix(rng, style_name: str | None) -> dict:
    s = STYLES.get(style_name) if style_name else None
    reverb = _weighted(rng, {"dry": 3, "room": 4, "hall": 3 if style_name in ("ambient", "cinematic", "classical") else 1.5})
    return {"reverb": reverb, "tone": _weighted(rng, {"dark": 1, "neutral": 2, "bright": 1}),
            "width": _weighted(rng, {"narrow": 1, "normal": 2, "wide": 1.5}),
            "sidechain": bool(s is not None and rng.random() < s.sidechain)}


def random_plan(rng: np.random.Generator, kind: str | None = None, style: str | None = None,
                duration_s: float | None = None) -> Plan:
    """A random, valid plan. kind None -> 35 % one-shots, 40 % loops, 25 % arrangements."""
    if kind is None:
        kind = _weighted(rng, {"one-shot": 35, "loop": 40, "arrangement": 25})
    if kind == "one-shot":
        return random_oneshot(rng, style=style, duration_s=duration_s)
    style = style or _choice(rng, STYLES)
    s = STYLES[style]
    tempo = float(rng.integers(s.tempo[0], s.tempo[1] + 1))
    meter = _weighted(rng, s.meters)
    mode = _weighted(rng, s.modes)
    key = _choice(rng, theory.NOTE_NAMES)
    energy = _weighted(rng, {"low": 1, "medium": 2, "high": 1.5 if style not in ("ambient", "classical") else 0.3})
    dynamics = _weighted(rng, {"soft": 1, "moderate": 2, "loud": 1, "building": 1, "fading": 0.6})
    register = _weighted(rng, {"low": 1, "mid": 3, "high": 1})
    swing = float(rng.uniform(*s.swing)) if s.swing[1] > 0.5 else 0.5
    swing = min(max(swing, 0.5), 0.75)
    # Instruments: always something harmonic; other roles by energy and chance.
    parts = []
    roles = list(s.roles)
    want = {r: True for r in roles}
    if len(roles) > 2:
        for r in roles:
            if r in ("pad", "lead") and rng.random() < (0.45 if energy == "low" else 0.3):
                want[r] = False
    for r in roles:
        if not want[r]:
            continue
        opts = available(s.roles[r])
        if opts:
            parts.append(Part(r, _choice(rng, opts)))
    # Solo phrases: one melodic instrument alone (real libraries hold many such clips).
    if rng.random() < 0.12 and "lead" in s.roles:
        opts = available(s.roles["lead"])
        if opts:
            parts = [Part("lead", _choice(rng, opts))]
    drums = None
    solo = len(parts) == 1 and parts[0].role == "lead"
    if not solo and "none" not in s.grooves[:1] and rng.random() >= s.drumless:
        drums = _choice(rng, available(s.kits) or ["standard"])
    if not solo and s.grooves == ("none",):
        drums = None
    if solo and rng.random() < 0.3 and "none" not in s.grooves:
        drums = _choice(rng, available(s.kits) or ["standard"])  # solo instrument over a beat
    step = (60.0 / tempo / 6.0) if meter == "6/8" else (60.0 / tempo / 4.0)
    bar = theory.METERS[meter][0] * step
    if duration_s is None:
        if kind == "loop":
            # Two bars at least where they fit in 15 s: a one-bar loop rarely states its key.
            bars = [b for b in (2, 4, 8) if 2.0 <= b * bar <= 15.0] or \
                [b for b in (1, 2) if b * bar <= 15.0] or [1]
            duration_s = _choice(rng, bars) * bar
        else:
            duration_s = float(rng.uniform(4.0, 15.0))
    extras = {"solo": True} if solo else {}
    return Plan(kind=kind, style=style, duration_s=float(duration_s), tempo_bpm=tempo, key=key, mode=mode,
                meter=meter, instruments=tuple(parts), drums=drums, energy=energy, dynamics=dynamics,
                register=register, swing=swing, oneshot=None, extras=extras, **_mix(rng, style))


def random_oneshot(rng: np.random.Generator, oneshot: str | None = None, style: str | None = None,
                   duration_s: float | None = None) -> Plan:
    from . import dsp
    if oneshot is None:
        oneshot = _weighted(rng, ONESHOT_WEIGHTS)
        if oneshot == "sfx":  # speech is common in real folders: a fifth of sound effects
            others = [k for k in dsp.SFX_KINDS if k != "speech"]
            oneshot = "sfx:" + ("speech" if rng.random() < SPEECH_SHARE else _choice(rng, others))
    style = style if style is not None else (_choice(rng, STYLES) if rng.random() < 0.6 else None)
    key = mode = None
    pitch = None
    parts: list[Part] = []
    drums = None
    mix = _mix(rng, style)
    if oneshot in DRUM_ONESHOTS:
        machines = ["machine:" + m for m in dsp.DRUM_MACHINES]
        use_machine = machines and oneshot in MACHINE_ONESHOTS and rng.random() < 0.45
        drums = _choice(rng, machines) if use_machine else _choice(rng, theory.GM_KITS)
        pitch = theory.DRUM[_choice(rng, ONESHOT_DRUM_NOTES[oneshot])]
        dur = duration_s or float(rng.uniform(0.1, 0.6) if oneshot in ("kick", "snare", "clap", "hat_closed", "percussion")
                                  else rng.uniform(0.4, 2.5))
    elif oneshot == "bass_hit":
        opts = available(["synth:808_bass", "synth:808_bass", "synth:sub_bass", "synth:acid_bass", "synth:analog_bass",
                          "synth:reese_bass", "synth:fm_bass", "synth_bass_1",
                          "synth_bass_2", "finger_bass", "slap_bass"])
        parts = [Part("bass", _choice(rng, opts))]
        key = _choice(rng, theory.NOTE_NAMES)
        pitch = 24 + theory.pitch_class(key) + 12 * int(rng.integers(0, 2))
        dur = duration_s or float(rng.uniform(0.3, 2.5))
    elif oneshot in ("chord_stab", "pad_swell"):
        pool = (["synth:stab", "electric_piano", "acoustic_grand_piano", "brass_section", "orchestra_hit",
                 "clavinet", "polysynth", "string_ensemble", "synth_brass", "drawbar_organ", "synth:fm_epiano"]
                if oneshot == "chord_stab" else
                ["warm_pad", "halo_pad", "sweep_pad", "new_age_pad", "synth_strings", "slow_strings",
                 "choir_aahs", "synth:saw_pad", "synth:string_pad", "synth:warm_pad", "synth:evolving_pad", "bowed_glass_pad", "church_organ"])
        parts = [Part("chords" if oneshot == "chord_stab" else "pad", _choice(rng, available(pool)))]
        key = _choice(rng, theory.NOTE_NAMES)
        mode = _weighted(rng, {"major": 1, "minor": 1})
        dur = duration_s or float(rng.uniform(0.3, 1.5) if oneshot == "chord_stab" else rng.uniform(2.0, 6.0))
    elif oneshot in ("riser", "impact"):
        kinds = [k for k in (("riser", "whoosh") if oneshot == "riser" else ("impact", "boom", "explosion"))
                 if k in dsp.SFX_KINDS] or list(dsp.SFX_KINDS)
        parts = [Part("fx", "sfx:" + _choice(rng, kinds))]
        dur = duration_s or float(rng.uniform(2.0, 6.0) if oneshot == "riser" else rng.uniform(0.8, 4.0))
    elif oneshot.startswith("sfx:"):
        parts = [Part("fx", oneshot)]
        dur = duration_s or float(rng.uniform(1.5, 8.0) if oneshot == "sfx:speech" else rng.uniform(0.3, 6.0))
    else:  # a single note of any melodic instrument
        pool = available(list(theory.GM_INSTRUMENTS) + ["synth:" + v for v in dsp.SYNTH_VOICES])
        inst = _choice(rng, pool)
        parts = [Part("oneshot", inst)]
        if inst.startswith("synth:"):
            low, high = 36, 84
        else:
            g = theory.GM_INSTRUMENTS[inst]
            low, high = g.low, g.high
        pitch = int(rng.integers(low, high + 1))
        key = theory.NOTE_NAMES[pitch % 12]
        dur = duration_s or float(rng.uniform(0.5, 4.0))
    return Plan(kind="one-shot", style=style, duration_s=float(min(max(dur, 0.1), 15.0)), tempo_bpm=None,
                key=key, mode=mode, meter=None, instruments=tuple(parts), drums=drums,
                energy=_weighted(rng, {"low": 1, "medium": 2, "high": 1}),
                dynamics=_weighted(rng, {"soft": 1, "moderate": 2, "loud": 1.5}),
                register="low" if (pitch or 60) < 48 else "high" if (pitch or 60) > 76 else "mid",
                swing=0.5, oneshot=oneshot, pitch=pitch, **mix)
