"""Composer details that decide whether a clip sounds in its planned key (notes only, no audio)."""
from __future__ import annotations

import numpy as np
import pytest

from generator import theory
from generator.compose import compose, progression
from generator.compose_parts import bass_line, comp_part
from generator.plan import Part, Plan
from generator.styles import MODAL_PROGS, STYLES


def _plan(style, key, mode, parts, **kw):
    base = dict(kind="loop", style=style, duration_s=8.0, tempo_bpm=120, key=key, mode=mode,
                instruments=tuple(Part(r, i) for r, i in parts), drums=None)
    base.update(kw)
    return Plan(**base)


def _scale(key, mode):
    return {(theory.pitch_class(key) + i) % 12 for i in theory.MODES[mode]}


@pytest.mark.parametrize("pattern", ["power_chug", "power"])
def test_power_chords_stand_on_the_chord_root(pattern):
    # Inverted voicings used to put the power chord on the voicing's lowest note: the V of
    # F minor (C E G voiced E G C) became an E5 chord, with B natural, outside the key.
    plan = _plan("metal", "F", "minor", [("bass", "pick_bass"), ("chords", "distortion_guitar")])
    chords = [theory.roman_chord(s, "F", "minor") for s in ("i", "V", "VI", "iv", "VII", "III")]
    events = comp_part(pattern, chords, plan, 16, "distortion_guitar", np.random.default_rng(0))
    for bar, ch in enumerate(chords):
        pcs = {p % 12 for b, _s, _l, p, _v in events if b == bar}
        assert {ch.root, (ch.root + 7) % 12} <= pcs, (bar, pcs)
        extra = pcs - {ch.root, (ch.root + 7) % 12}
        assert extra <= {(ch.root + t) % 12 for t in ch.tones}, (bar, extra)


def test_acid_line_stays_on_the_scale_and_anchors_the_root():
    for seed in range(20):
        plan = _plan("acid", "E", "minor", [("bass", "synth:acid_bass"), ("chords", "synth:stab")])
        chords = [theory.roman_chord(s, "E", "minor") for s in ("i", "VI", "iv", "V")]
        events = bass_line("acid", chords, plan, 16, np.random.default_rng(seed))
        scale = _scale("E", "minor")
        for bar, step, _l, pitch, _v in events:
            # V's major third (the raised leading tone) is the one chromatic note allowed.
            assert pitch % 12 in scale | {(chords[bar].root + 4) % 12}, (seed, bar, step, pitch)
            if step in (0, 8):
                assert pitch % 12 == chords[bar].root, (seed, bar, step, pitch)


@pytest.mark.parametrize("mode", sorted(MODAL_PROGS))
def test_modal_progressions_are_diatonic(mode):
    scale = _scale("C", mode)
    for prog in MODAL_PROGS[mode]:
        for symbol in prog.split():
            ch = theory.roman_chord(symbol, "C", mode)
            out = {(ch.root + t) % 12 for t in ch.tones} - scale
            assert not out, (mode, prog, symbol, out)


def test_progressions_with_a_dominant_are_favoured():
    # V-i names its tonic; a clip that never plays V leans on the tonic alone.
    style = STYLES["dnb"]
    plan = _plan("dnb", "D", "minor", [("bass", "synth:sub_bass"), ("chords", "electric_piano")],
                 duration_s=4 * 240 / 170)
    pool = [p for p in style.progressions("minor")]
    pool_share = sum("V" in p.split()[:4] for p in pool) / len(pool)
    with_v = sum(any(ch.root == 9 and 4 in ch.tones for ch in progression(plan, style, 4, np.random.default_rng(s)))
                 for s in range(400)) / 400
    assert with_v > pool_share + 0.05, (with_v, pool_share)


def test_compose_is_in_key_for_every_style():
    """Outside blues and jazz (whose blue notes and altered chords are the style), non-drum notes
    of a composition stay on the plan's scale, or are the raised leading tone of a minor key."""
    bad = []
    for name, style in STYLES.items():
        if name in ("blues", "jazz", "latin", "lofi"):  # jazz progressions: iio7, V7 alterations
            continue
        for mode in style.modes:
            parts = [(r, opts[0]) for r, opts in style.roles.items()]
            plan = _plan(name, "A", mode, parts, meter=next(iter(style.meters)))
            scale = _scale("A", mode) | ({(9 + 11) % 12} if mode == "minor" else set())
            for t in (t for seed in (3, 4) for t in compose(plan, seed).tracks):
                if t.role == "drums":
                    continue
                out = {p % 12 for _s, _d, p, _v in t.notes} - scale
                if out:
                    bad.append((name, mode, t.role, t.source, sorted(out)))
    assert not bad, bad
