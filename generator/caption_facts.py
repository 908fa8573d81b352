"""What a caption states about its clip, as checkable facts: the relevance judgement of the
aligner evaluation.

A query such as "kick recorded on its own, unprocessed" is answered correctly by every dry kick
in a catalogue, not only by the clip it was written for; "reggae, gloomy, 71 bpm" by every slow
minor reggae clip near 71 BPM. `stated_facts(plan, text)` lists the plan attributes the text
states (found by the caption vocabulary of the plan's own values, so it never invents a fact the
caption generator could not have said); `aligner.evaluate` counts a pool clip relevant to a query
when its plan satisfies all of them. Erring towards stating more makes relevance stricter, never
looser: a word shared by two attributes (e.g. "dark": tone and mood) states both.

A fact is `[attribute, op, value]`, with op one of
    eq       plan[attribute] == value
    has      value is one of the plan's instruments
    near     plan[attribute] within 4 % of value (tempo)
    between  value[0] < plan[attribute] <= value[1]
    pc       plan[attribute] % 12 == value (pitch class)
and the pseudo-attribute `kind_class` ("one-shot" or "music").
"""
from __future__ import annotations

import re

from aligner.text_facts import find_key, find_tempo, strip_tempo
from . import captions_vocab as V
from . import theory
from .captions import drums_words, instrument_words
from .plan import DRUM_ONESHOTS, Plan
from .styles import STYLES

SWING_MIN = 0.56  # captions call a plan swung from this swing ratio on (generator.captions)
ONESHOT_ADJ = {"soft": ["soft", "gentle", "quiet"], "moderate": ["clean", "tight", "crisp"],
               "loud": ["punchy", "hard", "loud", "heavy"], "building": ["punchy"], "fading": ["soft"]}


def _says(text: str, words) -> bool:
    for w in words:
        w = str(w).strip().lower()
        if w and re.search(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])", text):
            return True
    return False


def _both(entry) -> list[str]:
    train, reserved = entry
    return list(train) + list(reserved)


def _tempo_range(bpm: float) -> list[float]:
    lo = 0.0
    for limit, _train, _res in V.TEMPO_WORDS.values():
        if bpm <= limit:
            return [lo, float(limit)]
        lo = float(limit)
    return [lo, 1e9]


def stated_facts(plan: Plan | dict, text: str) -> list[list]:
    """Facts `text` states about `plan` (see the module docstring)."""
    if isinstance(plan, dict):
        plan = Plan.from_dict(plan)
    t = " ".join(str(text).lower().split())
    one_shot = plan.kind == "one-shot"
    facts: list[list] = [["kind_class", "eq", "one-shot" if one_shot else "music"]]

    def add(attr, op, value):
        if [attr, op, value] not in facts:
            facts.append([attr, op, value])

    def attr_words(attr, table):
        value = getattr(plan, attr)
        if value in table and _says(t, _both(table[value])):
            add(attr, "eq", value)

    for attr, table in (("energy", V.ENERGY_WORDS), ("dynamics", V.DYNAMICS_WORDS),
                        ("register", V.REGISTER_WORDS), ("reverb", V.REVERB_WORDS),
                        ("tone", V.TONE_WORDS), ("width", V.WIDTH_WORDS)):
        attr_words(attr, table)
    for p in plan.instruments:
        if _says(t, instrument_words(p.instrument)):
            add("instruments", "has", p.instrument)
    if plan.drums and _says(t, drums_words(plan.drums)
                            + V.MACHINE_WORDS.get(plan.drums.removeprefix("machine:"), [])):
        add("drums", "eq", plan.drums)
    key, mode = find_key(strip_tempo(str(text)))
    if key is not None and key == plan.key:
        add("key", "eq", plan.key)
    if one_shot:
        add("oneshot", "eq", plan.oneshot)  # every one-shot caption names what it is
        hit = theory.DRUM_WORDS.get(plan.pitch) if plan.oneshot in DRUM_ONESHOTS else None
        if hit and hit not in _both(V.ONESHOT_WORDS[plan.oneshot]) and _says(t, [hit]):
            # a variant named ("rimshot" is a snare one-shot with its own pitch)
            add("pitch", "eq", plan.pitch)
        if _says(t, ONESHOT_ADJ.get(plan.dynamics, [])):
            add("dynamics", "eq", plan.dynamics)
        if plan.pitch is not None and plan.oneshot in ("note", "bass_hit"):
            if _says(t, [theory.note_name(plan.pitch)]):
                add("pitch", "eq", plan.pitch)
            elif _says(t, [theory.NOTE_NAMES[plan.pitch % 12]]):
                add("pitch", "pc", plan.pitch % 12)
        if mode is not None and plan.mode is not None:
            add("mode", "eq", plan.mode)
        return facts
    attr_words("kind", V.KIND_WORDS)
    if _says(t, STYLES[plan.style].words) or _says(t, V.GROOVE_TERMS.get(plan.style, [])):
        add("style", "eq", plan.style)
    if plan.mode in V.MOOD_WORDS and _says(t, _both(V.MOOD_WORDS[plan.mode])) or mode is not None:
        add("mode", "eq", plan.mode)
    if _says(t, _both(V.METER_WORDS[plan.meter])):
        add("meter", "eq", plan.meter)
    bpm = find_tempo(str(text), 50.0, 200.0)
    if bpm is not None:
        add("tempo_bpm", "near", float(bpm))
    for limit, train, res in V.TEMPO_WORDS.values():
        if plan.tempo_bpm <= limit:  # the plan's own tempo bucket: its words are what a caption says
            if _says(t, list(train) + list(res)):
                add("tempo_bpm", "between", _tempo_range(plan.tempo_bpm))
            break
    if plan.swing >= SWING_MIN and _says(t, _both(V.SWING_WORDS)):
        add("swing", "between", [SWING_MIN - 1e-9, 1.0])
    if plan.sidechain and _says(t, _both(V.SIDECHAIN_WORDS)):
        add("sidechain", "eq", True)
    if plan.drums is None and _says(t, _both(V.DRUMLESS_WORDS)):
        add("drums", "eq", None)
    return facts
