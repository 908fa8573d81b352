"""Plan validation, serialisation and random sampling."""
from __future__ import annotations

import json

import numpy as np
import pytest

from generator import theory
from generator.plan import Part, Plan, PlanError, random_plan
from generator.styles import STYLES


def _plan(**kw):
    base = dict(kind="loop", style="pop", duration_s=4.0, tempo_bpm=120, key="C", mode="major",
                instruments=(Part("chords", "acoustic_grand_piano"),), drums="standard")
    base.update(kw)
    return Plan(**base)


@pytest.mark.parametrize("field,value,needle", [
    ("kind", "symphony", "arrangement"),
    ("style", "polka-step", "rock"),
    ("tempo_bpm", 250, "50-200"),
    ("tempo_bpm", 20, "50-200"),
    ("key", "H", "C#"),
    ("mode", "ionian-ish", "major"),
    ("meter", "5/4", "4/4"),
    ("duration_s", 0.01, "0.1-300"),
    ("duration_s", 301.0, "0.1-300"),
    ("energy", "extreme", "low"),
    ("swing", 0.9, "0.5-0.75"),
    ("reverb", "cathedral", "hall"),
    ("drums", "bongo-kit", "standard"),
])
def test_bad_values_name_field_and_allowed_range(field, value, needle):
    with pytest.raises(PlanError) as e:
        _plan(**{field: value})
    assert e.value.field == field
    assert field in str(e.value) and needle in str(e.value)


def test_unknown_instruments_and_voices_are_rejected():
    with pytest.raises(PlanError, match="unknown instrument 'kazoo'"):
        _plan(instruments=(Part("lead", "kazoo"),))
    with pytest.raises(PlanError, match="unknown synth voice 'nope'"):
        _plan(instruments=(Part("lead", "synth:nope"),))
    with pytest.raises(PlanError, match="unknown drum machine"):
        _plan(drums="machine:tr-9000")
    with pytest.raises(PlanError, match="instruments.role"):
        _plan(instruments=(Part("singer", "violin"),))


def test_one_shot_rules():
    with pytest.raises(PlanError) as e:
        Plan(kind="one-shot", style=None, duration_s=0.5, tempo_bpm=None, key=None, mode=None, meter=None,
             drums="standard")
    assert e.value.field == "oneshot"
    with pytest.raises(PlanError, match="only one-shot"):
        _plan(oneshot="kick")
    with pytest.raises(PlanError, match="tempo_bpm"):
        _plan(tempo_bpm=None)
    with pytest.raises(PlanError, match="unknown sfx kind"):
        Plan(kind="one-shot", style=None, duration_s=1.0, tempo_bpm=None, key=None, mode=None, meter=None,
             instruments=(Part("fx", "sfx:explosion"),), oneshot="sfx:unicorn")


def test_round_trip_and_loose_forms():
    p = _plan(instruments=(Part("bass", "finger_bass"), Part("lead", "synth:acid_bass")), sidechain=True)
    d = json.loads(json.dumps(p.to_dict()))
    assert Plan.from_dict(d) == p
    assert d["families"] == ["bass", "drums"] and d["instruments"][0]["family"] == "bass"
    loose = Plan.from_dict({**d, "instruments": [0, "violin", ["bass", 33]]})
    assert [x.instrument for x in loose.instruments] == ["acoustic_grand_piano", "violin", "finger_bass"]
    with pytest.raises(PlanError, match="GM program 2"):
        Plan.from_dict({**d, "instruments": [2]})
    with pytest.raises(PlanError, match="tempo_bpm"):
        Plan.from_dict({**d, "tempo_bpm": "fast"})


def test_vocabulary_breadth():
    assert len(STYLES) >= 16
    assert len({g.program for g in theory.GM_INSTRUMENTS.values()}) >= 40
    fams = {g.family for g in theory.GM_INSTRUMENTS.values()}
    assert {"piano", "keys", "organ", "guitar", "bass", "strings", "brass", "woodwind", "synth lead",
            "synth pad", "choir", "mallet", "plucked"} <= fams


def test_random_plans_are_valid_and_cover_kinds():
    rng = np.random.default_rng(0)
    plans = [random_plan(rng) for _ in range(300)]
    kinds = {p.kind for p in plans}
    assert kinds == {"arrangement", "loop", "one-shot"}
    for p in plans:
        Plan.from_dict(json.loads(json.dumps(p.to_dict())))  # serialisable and re-validates
        if p.kind == "loop":
            assert 2.0 - 1e-6 <= p.duration_s <= 15.0 + 1e-6 or p.duration_s < 2.0
            bars = p.duration_s / p.bar_s
            assert abs(bars - round(bars)) < 1e-6  # whole bars: seamless repeat
    shots = {p.oneshot for p in plans if p.kind == "one-shot"}
    assert {"kick", "snare", "note"} <= shots and any(s.startswith("sfx:") for s in shots)
