"""The facts a caption states: the relevance judgement of `cratedig aligner eval`."""
from __future__ import annotations

import numpy as np

from aligner.dataset import Clip
from aligner.evaluate import satisfies, stated_facts_metrics
from generator.caption_facts import stated_facts
from generator.captions import captions
from generator.corpus import plan_for
from generator.plan import Plan


def _plan(**kw) -> dict:
    base = Plan.from_dict(plan_for(1, 7)[0].to_dict())
    return base.replace(**kw).to_dict() if kw else base.to_dict()


def test_every_caption_states_only_what_its_own_plan_satisfies():
    for i in range(60):
        plan, _seed, _rng = plan_for(5, i)
        rng = np.random.default_rng(i)
        for reserved in (False, True):
            for text in captions(plan, rng, 4, reserved=reserved):
                facts = stated_facts(plan, text)
                assert facts[0][0] == "kind_class"
                assert satisfies(plan.to_dict(), facts), (text, facts)


def test_a_kick_query_is_answered_by_any_kick_but_not_by_a_snare():
    kick = {"kind": "one-shot", "oneshot": "kick", "drums": "standard", "reverb": "dry", "pitch": 36,
            "instruments": [], "style": "rock", "dynamics": "moderate", "energy": "medium",
            "register": "low", "tone": "neutral", "width": "normal", "mode": None}
    facts = stated_facts(Plan.from_dict(_plan()).replace(**{k: v for k, v in kick.items()
                                                            if k != "instruments"}),
                         "kick recorded on its own, unprocessed")
    assert ["oneshot", "eq", "kick"] in facts and ["reverb", "eq", "dry"] in facts
    assert satisfies({**kick, "drums": "machine:808", "pitch": 35}, facts)
    assert not satisfies({**kick, "oneshot": "snare"}, facts)
    assert not satisfies({**kick, "reverb": "hall"}, facts)
    assert not satisfies({**kick, "kind": "loop"}, facts)


def test_music_facts_tempo_key_and_instruments():
    plan = Plan.from_dict(_plan()).replace(kind="loop", style="reggae", tempo_bpm=71.0, key="F#",
                                           mode="minor")
    inst = plan.instruments[0].instrument if plan.instruments else None
    text = "reggae, gloomy, 71 bpm, F#m"
    facts = stated_facts(plan, text)
    assert ["style", "eq", "reggae"] in facts and ["key", "eq", "F#"] in facts
    assert ["tempo_bpm", "near", 71.0] in facts and ["mode", "eq", "minor"] in facts
    d = plan.to_dict()
    assert satisfies({**d, "tempo_bpm": 73.0}, facts)  # within 4 %
    assert not satisfies({**d, "tempo_bpm": 80.0}, facts)
    assert not satisfies({**d, "key": "G"}, facts)
    assert not satisfies({**d, "style": "rock"}, facts)
    if inst:  # the facts do not ask for instruments the text does not name
        assert satisfies({**d, "instruments": []}, facts)


def test_stated_facts_metrics_count_equivalent_clips_and_bound_the_strict_recall():
    kick = {"kind": "one-shot", "oneshot": "kick", "instruments": []}
    snare = {"kind": "one-shot", "oneshot": "snare", "instruments": []}
    fk = [["kind_class", "eq", "one-shot"], ["oneshot", "eq", "kick"]]
    fs = [["kind_class", "eq", "one-shot"], ["oneshot", "eq", "snare"]]
    clips = [Clip("a", "test", ["x"], kick, ["kick a"], [fk]),
             Clip("b", "test", ["x"], kick, ["kick b"], [fk]),
             Clip("c", "test", ["x"], snare, ["snare c"], [fs])]
    # each kick query ranks the *other* kick first: wrong strictly, right by what it states
    sim = np.array([[0.5, 0.9, 0.1], [0.9, 0.5, 0.1], [0.1, 0.2, 0.9]])
    strict = np.eye(3, dtype=bool)
    m = stated_facts_metrics(sim, strict, clips)
    assert m["text_to_audio"]["R@1"] == 1.0
    assert m["strict_R@1_ceiling"] == round((0.5 + 0.5 + 1.0) / 3, 4)
    assert m["single_answer_queries"] == round(1 / 3, 4)
