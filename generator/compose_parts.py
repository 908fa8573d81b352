"""Bass, comping, pad and melody parts. Each returns events (bar, step, length_steps, pitch, velocity)
on the sixteenth grid; compose.py turns them into seconds with swing and dynamics."""
from __future__ import annotations

import numpy as np

from . import theory
from .plan import Plan

Event = tuple[int, float, float, int, float]
REGISTER_SHIFT = {"low": -12, "mid": 0, "high": 12}


def _range(instrument: str) -> tuple[int, int]:
    if instrument.startswith("synth:"):
        return 24, 96
    g = theory.GM_INSTRUMENTS[instrument]
    return g.low, g.high


def _fit(pitch: int, low: int, high: int) -> int:
    while pitch < low:
        pitch += 12
    while pitch > high:
        pitch -= 12
    return pitch


def _snap(pitch: int, plan: Plan) -> int:
    """The pitch if it is on the plan's scale, else the scale tone a semitone below it."""
    scale = {(theory.pitch_class(plan.key) + i) % 12 for i in theory.MODES[plan.mode]}
    return pitch if pitch % 12 in scale else pitch - 1


# ---- bass ----------------------------------------------------------------------------------
def bass_line(pattern: str, chords, plan: Plan, spb: int, rng: np.random.Generator) -> list[Event]:
    """Roots on strong beats so the key's harmony is unambiguous; pattern flavours per style."""
    base = {"low": 28, "mid": 31, "high": 38}[plan.register]
    part = plan.part("bass")
    lo, hi = _range(part.instrument) if part else (24, 60)
    acid_seq = [(s, int(rng.choice([0, 0, 12, 7, 3, 10, -2])), rng.random() < 0.3)
                for s in range(16) if rng.random() < 0.75 or s % 4 == 0]
    # A 303 line is anchored on the root (or its octave) on beats one and three.
    acid_seq = [(s, iv if s % 8 or iv in (0, 12) else 0, acc) for s, iv, acc in acid_seq]
    synco = sorted({0, *[int(s) for s in rng.choice(16, size=5, replace=False)]})
    ev: list[Event] = []
    three = spb == 12
    for bar, ch in enumerate(chords):
        root = _fit(base + (ch.root - base) % 12, max(lo, 24), min(hi, 60))
        fifth = root + 7 if root + 7 <= hi else root - 5
        nxt = chords[bar + 1] if bar + 1 < len(chords) else chords[0]
        if pattern in ("root", "root_long", "drone", "waltz", "long808") or three and pattern not in ("alberti_bass",):
            if pattern == "waltz" or (three and pattern not in ("drone", "root_long")):
                ev.append((bar, 0, 3, root, 100))
                if spb == 12 and pattern != "waltz":
                    ev.append((bar, 6, 3, fifth, 85))
            elif pattern == "root":
                ev += [(bar, 0, 7, root, 100), (bar, 8, 5, root, 90), (bar, 14, 2, fifth, 80)]
            elif pattern == "long808":
                ev += [(bar, 0, 10, root, 110), (bar, 10, 6, root if rng.random() < 0.6 else fifth, 95)]
            else:
                ev.append((bar, 0, spb, root, 95))
        elif pattern in ("eighths", "octaves", "rolling16"):
            step = 1 if pattern == "rolling16" else 2
            for s in range(0, spb, step):
                if pattern == "rolling16" and s % 4 == 0:
                    continue  # leave room for the kick
                p = root + (12 if pattern == "octaves" and (s // 2) % 2 else 0)
                ev.append((bar, s, step * 0.9, p, 100 if s % 4 == 0 else 84))
        elif pattern == "root_fifth":
            ev += [(bar, 0, 4, root, 100), (bar, 8, 4, fifth, 88)]
        elif pattern == "walking":
            tones = [root, root + (4 if 4 in ch.tones else 3), root + 7]
            approach = _fit(base + (nxt.root - base) % 12, lo, hi) + int(rng.choice([-1, 1]))
            for i, p in enumerate([tones[0], tones[int(rng.integers(1, 3))], tones[2 if rng.random() < 0.5 else 1], approach]):
                ev.append((bar, i * 4, 3.6, p, 96 if i == 0 else 84))
        elif pattern == "boogie":
            third = 4 if 4 in ch.tones else 3
            for i, iv in enumerate([0, third, 7, 9, 10, 9, 7, third]):
                ev.append((bar, i * 2, 1.8, root + iv, 98 if i % 2 == 0 else 82))
        elif pattern == "syncopated":
            for s in synco:
                p = root + (12 if s % 4 == 3 and rng.random() < 0.5 else 0)
                ev.append((bar, s, 1.5, p, 105 if s == 0 else 88))
        elif pattern == "sparse":
            ev += [(bar, 0, 5, root, 100), (bar, 6, 2, root, 80), (bar, 10, 4, fifth if rng.random() < 0.5 else root, 88)]
        elif pattern == "offbeat":
            for s in (2, 6, 10, 14):
                ev.append((bar, s, 1.6, root + (12 if s == 14 and rng.random() < 0.3 else 0), 100))
        elif pattern == "acid":
            for s, iv, acc in acid_seq:
                ev.append((bar, s, 1.0 if not acc else 1.6, _snap(root + iv, plan), 118 if acc else 86))
        elif pattern == "halftime":
            ev += [(bar, 0, 9, root, 105), (bar, 10, 4, root, 90)]
        elif pattern == "alberti_bass":
            third = root + (4 if 4 in ch.tones else 3)
            for i, p in enumerate([root, root + 7, third + 12, root + 7] * 2):
                if i * 2 < spb:
                    ev.append((bar, i * 2, 1.9, p + 12, 70))
        elif pattern == "reggae":
            ev += [(bar, 0, 3, root, 100), (bar, 4, 2, root + 7, 85), (bar, 6, 2, _snap(root + 12 - 2, plan) if rng.random() < 0.3 else root, 85),
                   (bar, 10, 4, root, 95)]
        elif pattern == "tumbao":
            ev += [(bar, 6, 4, root, 100), (bar, 12, 4, fifth, 92)]
            if bar == 0:
                ev.append((bar, 0, 6, root, 100))
        elif pattern == "gallop":
            for beat in range(0, spb, 4):
                ev += [(bar, beat, 1.8, root, 110), (bar, beat + 2, 0.9, root, 95), (bar, beat + 3, 0.9, root, 95)]
        else:
            ev.append((bar, 0, spb, root, 95))
    return ev


# ---- chords --------------------------------------------------------------------------------
def _voicings(chords, center: int, lo: int, hi: int, count: int) -> list[list[int]]:
    """Close voicings with smooth voice leading around `center`."""
    out, prev = [], None
    for ch in chords:
        n = min(count, len(ch.tones))
        cands = []
        for inv in range(n):
            tones = [ch.tones[(inv + k) % n] + (12 if k + inv >= n else 0) for k in range(n)]
            for octave in (-12, 0, 12):
                base = center - 6 + ((ch.root - (center - 6)) % 12) + octave
                v = [base + t for t in tones]
                if v[0] >= lo and v[-1] <= hi:
                    cands.append(v)
        if not cands:
            base = _fit(center + ((ch.root - center) % 12), lo, max(lo, hi - 12))
            cands = [[base + t for t in ch.tones[:n]]]
        if prev is None:
            best = min(cands, key=lambda v: abs(sum(v) / len(v) - center))
        else:
            best = min(cands, key=lambda v: sum(abs(a - b) for a, b in zip(v, prev)) + abs(v[0] - center) * 0.2)
        out.append(best)
        prev = best
    return out


COMP_PATTERNS = {
    # name: list of (step, length, velocity) on a 16-step bar
    "block": [(0, 8, 92), (8, 8, 84)],
    "pulse8": [(s, 1.7, 90 if s % 4 == 0 else 76) for s in range(0, 16, 2)],
    "power": [(s, 1.8, 100) for s in range(0, 16, 2)],
    "power_chug": [(s, 0.9, 105 if s % 4 == 0 else 92) for s in range(16)],
    "charleston": [(0, 3, 92), (6, 2, 86)],
    "shuffle": [(s, 1.6, 88 if s % 4 == 0 else 70) for s in range(0, 16, 2)],
    "stabs16": [(0, 1, 100), (3, 1, 80), (6, 1, 90), (10, 1, 86), (12, 1, 80), (14, 1, 92)],
    "stabs": [(0, 3, 92), (7, 2, 84), (10, 4, 86)],
    "offbeat_stabs": [(2, 1.2, 96), (6, 1.2, 90), (10, 1.2, 96), (14, 1.2, 90)],
    "skank": [(2, 1, 96), (6, 1, 92), (10, 1, 96), (14, 1, 92)],
    "montuno": [(0, 1.5, 96), (3, 1.5, 86), (6, 1.5, 90), (8, 1.5, 94), (11, 1.5, 86), (14, 1.5, 90)],
    "rhodes_lazy": [(0, 6, 82), (7, 3, 72), (10, 6, 78)],
    "pad_hold": [(0, 16, 80)],
    "strum": [(0, 3, 96), (4, 2, 80), (6, 2, 76), (8, 3, 92), (12, 2, 80), (14, 2, 76)],
    "oom_pah": [(0, 3, 90), (4, 3, 80), (8, 3, 80)],
}
ARP_PATTERNS = {"arpeggio": 2, "arp16": 1, "sparse_bells": 2}


def comp_part(pattern: str, chords, plan: Plan, spb: int, instrument: str, rng) -> list[Event]:
    lo, hi = _range(instrument)
    center = _fit(57 + REGISTER_SHIFT[plan.register], lo + 6, hi - 6)
    count = 4 if any(len(c.tones) > 3 for c in chords) else 3
    voicings = _voicings(chords, center, lo, hi, count)
    ev: list[Event] = []
    for bar, v in enumerate(voicings):
        if pattern in ARP_PATTERNS:
            step = ARP_PATTERNS[pattern]
            seq = v + [v[0] + 12] + v[1:][::-1] if pattern != "sparse_bells" else v + [v[0] + 12]
            for i, s in enumerate(range(0, spb, step)):
                if pattern == "sparse_bells" and rng.random() < 0.35 and s % 4:
                    continue
                ev.append((bar, s, step * (1.6 if pattern == "arpeggio" else 0.9), seq[i % len(seq)],
                           88 if s % 4 == 0 else 74))
            continue
        if pattern in ("power_chug", "power"):
            # Power chords sit on the chord's root (not the voicing's lowest note: an inverted
            # voicing would put the fifth of a wrong chord in the key).
            root = _fit(v[0] - 12 - (v[0] - 12 - chords[bar].root) % 12, max(lo, 38), hi)
        if pattern == "power_chug":
            notes = [root, root + 7, root + 12]
        elif pattern == "power":  # barre-chord shape: root, fifth, octave, third on top
            third = 4 if 4 in chords[bar].tones else 3
            notes = [root, root + 7, root + 12, root + 12 + third]
        else:
            notes = v
        pat = COMP_PATTERNS.get(pattern, COMP_PATTERNS["block"])
        if spb == 12:
            pat = COMP_PATTERNS["oom_pah"] if plan.meter == "3/4" else [(0, 5, 90), (6, 5, 82)]
        for s, length, vel in pat:
            if pattern == "strum":
                for k, p in enumerate(notes):  # downstroke: low strings first
                    ev.append((bar, s + 0.06 * k, length, p, vel - 3 * k))
            else:
                for p in notes:
                    ev.append((bar, s, length, p, vel))
    return ev


def pad_part(chords, plan: Plan, spb: int, instrument: str) -> list[Event]:
    lo, hi = _range(instrument)
    center = _fit(62 + REGISTER_SHIFT[plan.register], lo + 6, hi - 6)
    ev = []
    for bar, v in enumerate(_voicings(chords, center, lo, hi, 4)):
        for p in v:
            ev.append((bar, 0, spb, p, 70))
    return ev


# ---- melody --------------------------------------------------------------------------------
DENSITY = {"low": (4, 0.55), "medium": (2, 0.6), "high": (2, 0.8)}


def melody(chords, plan: Plan, spb: int, instrument: str, rng: np.random.Generator) -> list[Event]:
    """Phrase A A' A cadence over each 4 bars: a two-bar motif on the scale, strong beats on chord
    tones, the phrase resolving to the tonic (the last phrase of an arrangement always does)."""
    lo, hi = _range(instrument)
    center = _fit(72 + REGISTER_SHIFT[plan.register], lo + 5, hi - 7)
    scale = theory.scale_pitches(plan.key, plan.mode, max(lo, center - 9), min(hi, center + 12))
    if len(scale) < 5:
        scale = theory.scale_pitches(plan.key, plan.mode, lo, hi)
    unit, fill = DENSITY[plan.energy]
    # Motif rhythm over two bars: onsets on a grid of `unit` steps, the downbeat always played.
    onsets = [s for s in range(0, 2 * spb, unit) if s % spb == 0 or rng.random() < fill]
    contour = np.cumsum(rng.integers(-2, 3, size=len(onsets)))
    tonic_pc = theory.pitch_class(plan.key)
    tonic_triad = {(tonic_pc + theory.MODES[plan.mode][d]) % 12 for d in (0, 2, 4)}
    start_idx = min(range(len(scale)), key=lambda i: abs(scale[i] - center) + (0 if scale[i] % 12 == tonic_pc else 3))
    ev: list[Event] = []
    n_bars = len(chords)
    for pair in range(0, n_bars, 2):
        phrase_pos = (pair // 2) % 2          # 0 = antecedent (A), 1 = consequent (A' + cadence)
        last_pair = pair + 2 >= n_bars
        shift = 0 if phrase_pos == 0 else int(rng.choice([-2, -1, 1, 2]))
        for i, s in enumerate(onsets):
            bar = pair + s // spb
            if bar >= n_bars:
                break
            step = s % spb
            nxt = onsets[i + 1] if i + 1 < len(onsets) else 2 * spb
            length = max(1, nxt - s) * 0.92
            idx = int(np.clip(start_idx + contour[i] + shift, 0, len(scale) - 1))
            pitch = scale[idx]
            chord = chords[bar]
            if step % 4 == 0:  # strong beat: a chord tone, preferring the key's tonic triad
                pcs = {(chord.root + t) % 12 for t in chord.tones}
                pitch = min((p for p in scale if p % 12 in pcs),
                            key=lambda p: abs(p - pitch) - (2.5 if p % 12 in tonic_triad else 0), default=pitch)
            ev.append((bar, step, length, pitch, 96 if step % 4 == 0 else 84))
        if phrase_pos == 1 or last_pair:
            # Cadence: end the consequent phrase on the tonic.
            end_bar = min(pair + 1, n_bars - 1)
            ev = [e for e in ev if not (e[0] == end_bar and e[1] >= spb // 2)]
            tonic = min((p for p in scale if p % 12 == tonic_pc), key=lambda p: abs(p - center), default=center)
            ev.append((end_bar, spb // 2, spb // 2, tonic, 92))
    return ev
