"""One-shots: a single drum hit, note, chord stab, pad swell, bass hit or sound effect at time 0."""
from __future__ import annotations

import numpy as np

from . import theory
from .plan import DRUM_ONESHOTS, Plan
from .score import Score, Track

VELOCITY = {"soft": 62, "moderate": 92, "loud": 118, "building": 92, "fading": 92}


def compose_oneshot(plan: Plan, rng: np.random.Generator) -> Score:
    vel = int(np.clip(VELOCITY[plan.dynamics] + rng.integers(-6, 7), 1, 127))
    dur = plan.duration_s
    shot = plan.oneshot
    if shot in DRUM_ONESHOTS:
        return Score(dur, [Track("drums", plan.drums, [(0.0, min(dur, 0.25), plan.pitch, vel)], 0.0, 0.0)])
    part = plan.instruments[0]
    # Held notes release before the end so the decay is inside the clip.
    hold = dur * (0.55 if dur > 0.4 else 0.8)
    if shot in ("bass_hit", "note"):
        notes = [(0.0, hold, plan.pitch, vel)]
        return Score(dur, [Track(part.role, part.instrument, notes, 0.0, 0.0)])
    if shot in ("chord_stab", "pad_swell"):
        quality = "I" if theory.MODE_QUALITY[plan.mode] == "major" else "i"
        if rng.random() < 0.3:
            quality += "7"
        chord = theory.roman_chord(quality, plan.key, plan.mode)
        lo = 52 if part.instrument.startswith("synth:") else max(48, theory.GM_INSTRUMENTS[part.instrument].low)
        pitches = chord.pitches(lo, len(chord.tones))
        pitches = [chord.pitches(lo - 12, 1)[0]] + pitches  # root doubled an octave down
        length = min(hold, 0.35) if shot == "chord_stab" else dur * 0.85
        notes = [(0.0, length, p, vel) for p in pitches]
        env = "swell" if shot == "pad_swell" else None
        return Score(dur, [Track(part.role, part.instrument, notes, 0.0, 0.0, env)])
    # riser, impact and sfx:<kind>: the DSP sound-design renderer makes the whole clip.
    return Score(dur, [Track("fx", part.instrument, [], 0.0, 0.0)])
