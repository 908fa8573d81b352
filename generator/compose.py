"""Composer: `compose(plan, seed) -> Score`.

Harmony establishes the key (progressions start on the tonic, long pieces end on a V-I or
IV-I cadence, the bass plays chord roots on strong beats, melodies resolve to the tonic), parts
follow per-style bass and comping patterns, drums follow per-style grooves with fills. Long
arrangements get sections; loops are whole bars so they repeat seamlessly.
"""
from __future__ import annotations

import math

import numpy as np

from . import theory
from .compose_drums import drum_pattern
from .compose_parts import bass_line, comp_part, melody, pad_part
from .plan import Plan
from .score import Score, Track
from .styles import STYLES

PANS = {"bass": 0.0, "chords": -0.3, "pad": 0.25, "lead": 0.15, "drums": 0.0}
GAINS = {"bass": -2.0, "chords": -5.0, "pad": -8.0, "lead": -3.0, "drums": -1.0}
DYNAMIC_LEVEL = {"soft": 0.62, "moderate": 0.82, "loud": 1.0}


def compose(plan: Plan, seed: int) -> Score:
    """Notes for every part of `plan`; deterministic in (plan, seed)."""
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 0xC0])
    if plan.kind == "one-shot":
        from .compose_oneshot import compose_oneshot
        return compose_oneshot(plan, rng)
    style = STYLES[plan.style]
    steps_per_bar = theory.METERS[plan.meter][0]
    step_s = plan.step_s
    bar_s = plan.bar_s
    n_bars = max(1, math.ceil(plan.duration_s / bar_s - 1e-6))
    chords = progression(plan, style, n_bars, rng)
    sections = arrangement_sections(plan, n_bars, rng)
    timer = StepTimer(plan, steps_per_bar, step_s)
    velocity = velocity_curve(plan, n_bars)
    tracks: list[Track] = []
    for part in plan.instruments:
        active = sections.get(part.role)
        if part.role == "bass":
            events = bass_line(style.bass, chords, plan, steps_per_bar, rng)
        elif part.role == "chords":
            # The tracker-arpeggio voice arpeggiates held chords itself.
            comp = "block" if part.instrument == "synth:chip_arp" else style.comp
            events = comp_part(comp, chords, plan, steps_per_bar, part.instrument, rng)
        elif part.role == "pad":
            events = pad_part(chords, plan, steps_per_bar, part.instrument)
        else:
            events = melody(chords, plan, steps_per_bar, part.instrument, rng)
        if plan.kind == "arrangement" and n_bars >= 2 and part.role in ("bass", "chords", "pad"):
            events = _final_chord(events, n_bars - 1, steps_per_bar)
        notes = []
        for bar, step, length, pitch, vel in events:
            if active is not None and not active[bar]:
                continue
            start = timer.time(bar, step)
            end = timer.time(bar, step + length)
            if start >= plan.duration_s:
                continue
            notes.append((start, max(0.03, end - start), int(pitch), _vel(vel * velocity[bar])))
        tracks.append(Track(part.role, part.instrument, notes, GAINS.get(part.role, -4.0),
                            PANS.get(part.role, 0.0)))
    kick_times: list[float] = []
    if plan.drums is not None:
        groove = style.grooves[int(rng.integers(len(style.grooves)))]
        if groove == "none":
            groove = "sparse"
        if plan.style == "waltz" or (plan.meter != "4/4" and groove not in ("waltz",)):
            groove = "waltz" if plan.meter == "3/4" else groove
        hits = drum_pattern(groove, plan.meter, n_bars, plan.energy, rng,
                            fills=plan.kind == "arrangement", sections=sections.get("drums"))
        notes = []
        for bar, step, note, vel in hits:
            start = timer.time(bar, step)
            if start < plan.duration_s:
                notes.append((start, 0.2, note, _vel(vel * velocity[bar])))
                if note in (35, 36):
                    kick_times.append(start)
        tracks.append(Track("drums", plan.drums, notes, GAINS["drums"], 0.0))
    if plan.sidechain and not kick_times:
        kick_times = [timer.time(b, s) for b in range(n_bars) for s in range(0, steps_per_bar, 4)]
    _ensure_sounding(tracks, chords, plan)
    return Score(duration_s=plan.duration_s, tracks=tracks, loop=plan.kind == "loop",
                 kick_times=kick_times, bar_s=bar_s)


def _final_chord(events, last_bar: int, spb: int):
    """End on a held tonic: the last bar keeps only its downbeat notes, sustained to the end."""
    head = [e for e in events if e[0] != last_bar]
    down = [e for e in events if e[0] == last_bar and e[1] < 0.5]
    return head + [(b, s, spb - s, p, v) for b, s, _l, p, v in down]


def _vel(v: float) -> int:
    return int(min(127, max(1, round(v))))


class StepTimer:
    """(bar, sixteenth step) -> seconds, with swing on off-beat eighths (or sixteenths in
    slow swung hip-hop and lo-fi, where the swing lives on the sixteenths)."""

    def __init__(self, plan: Plan, steps_per_bar: int, step_s: float):
        self.spb, self.step_s = steps_per_bar, step_s
        self.swing = plan.swing if plan.meter == "4/4" else 0.5
        self.sixteenth = plan.style in ("hiphop", "lofi", "funk", "trap")

    def time(self, bar: int, step: float) -> float:
        t_steps = bar * self.spb + step
        if self.swing == 0.5:
            return t_steps * self.step_s
        whole = math.floor(t_steps)
        frac = t_steps - whole
        unit = 2 if self.sixteenth else 4          # swing unit in steps: an 8th (2) or a quarter (4)
        pair_start = (whole // unit) * unit
        pos = (whole - pair_start) + frac           # 0..unit within the pair
        half = unit / 2
        if pos < half:
            warped = pos / half * (self.swing * unit)
        else:
            warped = self.swing * unit + (pos - half) / half * ((1 - self.swing) * unit)
        return (pair_start + warped) * self.step_s


def progression(plan: Plan, style, n_bars: int, rng) -> list[theory.Chord]:
    """One chord per bar (long progressions such as the 12-bar blues included)."""
    progs = style.progressions(plan.mode)
    # Favour progressions that dwell on the tonic and contain a dominant: they state the key
    # (V-I names its tonic; I-IV alone is ambiguous with IV's own key, where I is the dominant).
    # Judged on the chords a clip of n_bars actually plays (a 2-bar loop plays two of them).
    heard = [" ".join(p.split()[:max(1, n_bars)]) for p in progs]
    weights = np.array([1.0 + 4.0 * _tonic_share(h) + (2.0 if _has_dominant(h) else 0.0)
                        for h in heard])
    symbols = progs[int(rng.choice(len(progs), p=weights / weights.sum()))].split()
    chords = [theory.roman_chord(symbols[i % len(symbols)], plan.key, plan.mode) for i in range(n_bars)]
    if plan.kind == "arrangement" and n_bars >= 3:
        # Final cadence: end on the tonic, approached from the dominant in longer pieces
        # (short ones keep their subdominant, which tells the key from its dominant's).
        quality = theory.MODE_QUALITY[plan.mode]
        chords[-1] = theory.roman_chord("I" if quality == "major" else "i", plan.key, plan.mode)
        if n_bars >= 6:
            pre = "V" if plan.mode in ("major", "minor") else ("IV" if quality == "major" else "iv")
            if plan.style == "blues":
                pre = "V7"
            chords[-2] = theory.roman_chord(pre, plan.key, plan.mode)
    return chords


def _tonic_share(prog: str) -> float:
    chords = prog.split()
    return sum(1 for c in chords if c.rstrip("M7o").lower() == "i") / len(chords)


def _has_dominant(prog: str) -> bool:
    return any(c.rstrip("M7o") == "V" for c in prog.split())


def arrangement_sections(plan: Plan, n_bars: int, rng) -> dict[str, list[bool]]:
    """Per role, which bars play. Short pieces play everything; long ones build up and break
    down in 4-bar blocks while keeping every part in at least half of the piece."""
    if plan.kind != "arrangement" or n_bars < 16:
        return {}
    blocks = n_bars // 4 + (1 if n_bars % 4 else 0)
    roles = [p.role for p in plan.instruments] + (["drums"] if plan.drums else [])
    out = {}
    for role in roles:
        mask = []
        for b in range(blocks):
            intro = b == 0 and role in ("drums", "lead", "bass") and blocks > 4
            breakdown = blocks > 6 and b == blocks // 2 and role in ("drums", "bass")
            rest = role == "lead" and b % 4 == 3 and rng.random() < 0.5
            mask.append(not (intro or breakdown or rest))
        if sum(mask) * 2 < blocks:
            mask = [True] * blocks
        out[role] = [mask[i // 4] for i in range(n_bars)]
    return out


def velocity_curve(plan: Plan, n_bars: int) -> list[float]:
    """Velocity scale per bar from `dynamics`."""
    if plan.dynamics in DYNAMIC_LEVEL:
        return [DYNAMIC_LEVEL[plan.dynamics]] * n_bars
    ramp = np.linspace(0.0, 1.0, n_bars) if n_bars > 1 else np.ones(1)
    if plan.dynamics == "building":
        return list(0.5 + 0.5 * ramp)
    return list(1.0 - 0.5 * ramp)  # fading


def _ensure_sounding(tracks: list[Track], chords, plan: Plan) -> None:
    """Every named instrument must sound (captions name them): a part whose pattern starts
    after a very short clip ends gets the chord root at time 0."""
    for t in tracks:
        if not t.notes and t.role != "drums":
            c = chords[0]
            base = 36 if t.role == "bass" else 60
            t.notes.append((0.0, plan.duration_s, c.pitches(base, 1)[0], 90))
        elif not t.notes:
            t.notes.append((0.0, 0.2, 36, 100))
