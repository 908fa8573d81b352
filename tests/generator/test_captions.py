"""Captions: varied, true to the plan, reserved wordings kept out of training captions."""
from __future__ import annotations

import re

import numpy as np

from generator import captions_vocab as V
from generator.captions import caption, captions
from generator.plan import Part, Plan
from generator.sampling import random_plan


def _reserved_only_words() -> set[str]:
    """Wordings that appear in a reserved pool and in no training pool."""
    train, reserved = set(), set()
    tables = [V.MOOD_WORDS, V.ENERGY_WORDS, V.DYNAMICS_WORDS, V.REGISTER_WORDS, V.REVERB_WORDS, V.TONE_WORDS,
              V.WIDTH_WORDS, V.KIND_WORDS, V.ONESHOT_WORDS, V.METER_WORDS]
    for table in tables:
        for tr, res in table.values():
            train.update(tr)
            reserved.update(res)
    for tr, res in (V.SWING_WORDS, V.SIDECHAIN_WORDS, V.DRUMLESS_WORDS, V.SOLO_WORDS):
        train.update(tr)
        reserved.update(res)
    for _lim, tr, res in V.TEMPO_WORDS.values():
        train.update(tr)
        reserved.update(res)
    return {w for w in reserved - train if len(w) > 4}


def _reserved_template_marks() -> list[str]:
    marks = []
    for tpl in V.RESERVED_TEMPLATES + V.ONESHOT_RESERVED + V.NOTE_RESERVED + V.SFX_RESERVED:
        literal = max(re.split(r"\{[a-z_]+\}", tpl), key=len).strip(" ,;:")
        if len(literal) >= 8:
            marks.append(literal)
    return marks


def test_training_captions_never_use_reserved_wordings():
    rng = np.random.default_rng(1)
    words, marks = _reserved_only_words(), _reserved_template_marks()
    assert words and marks
    seen_reserved = 0
    for i in range(120):
        plan = random_plan(rng)
        for c in captions(plan, np.random.default_rng(i), 8):
            low = c.lower()
            assert not any(re.search(rf"\b{re.escape(w)}\b", low) for w in words), c
            assert not any(m.lower() in low for m in marks), c
        for c in captions(plan, np.random.default_rng(i), 3, reserved=True):
            low = c.lower()
            seen_reserved += any(m.lower() in low for m in marks) or any(
                re.search(rf"\b{re.escape(w)}\b", low) for w in words)
    assert seen_reserved > 50  # the reserved set is actually used for evaluation captions


def test_captions_are_varied_and_only_name_what_plays():
    plan = Plan(kind="loop", style="classical", duration_s=4.0, tempo_bpm=72, key="E", mode="minor", meter="3/4",
                instruments=(Part("chords", "acoustic_grand_piano"), Part("lead", "acoustic_grand_piano")))
    caps = captions(plan, np.random.default_rng(0), 10)
    assert len(set(caps)) == 10
    text = " | ".join(caps).lower()
    for absent in ("guitar", "violin", "808", "synth", "drum kit", "hi-hat", "bass guitar"):
        assert absent not in text
    assert "piano" in text
    assert any(w in text for w in ("e minor", "em", "sad", "melancholic", "somber", "moody", "dark", "emotional"))


def test_one_shot_captions_say_what_the_hit_is():
    kick = Plan(kind="one-shot", style=None, duration_s=0.3, tempo_bpm=None, key=None, mode=None, meter=None,
                drums="machine:808", oneshot="kick", pitch=36)
    caps = [caption(kick, np.random.default_rng(i)) for i in range(30)]
    assert all(re.search(r"kick|bass drum|thump", c) for c in caps), caps
    assert any("808" in c for c in caps)
    boom = Plan(kind="one-shot", style=None, duration_s=1.0, tempo_bpm=None, key=None, mode=None, meter=None,
                instruments=(Part("fx", "sfx:explosion"),), oneshot="sfx:explosion")
    caps = [caption(boom, np.random.default_rng(i)) for i in range(20)]
    assert all(re.search(r"explosion|blast|detonation", c) for c in caps), caps
