"""Captions: varied text a person would type for a plan — tag lists, short phrases, sentences,
synonyms, partial descriptions and musician vocabulary. Everything said is true of the render:
only the plan's instruments are named, drums only when there are drums.

`reserved=True` draws from wordings and templates that training captions never use.
"""
from __future__ import annotations

import numpy as np

from . import theory
from . import captions_vocab as V
from .plan import DRUM_ONESHOTS, Plan
from .styles import STYLES


def _pool(entry, reserved: bool) -> list[str]:
    train, res = entry
    return list(res) if reserved and res else list(train)


def _pick(rng, items):
    items = list(items)
    return items[int(rng.integers(len(items)))] if items else ""


def instrument_words(instrument: str) -> list[str]:
    from . import dsp
    if instrument.startswith("synth:"):
        return list(dsp.VOICE_INFO.get(instrument[6:], [instrument[6:].replace("_", " ")]))
    if instrument.startswith("sfx:"):
        return list(dsp.SFX_INFO.get(instrument[4:], [instrument[4:].replace("_", " ")]))
    return list(theory.resolve_gm(instrument).words)


def drums_words(drums: str) -> list[str]:
    from . import dsp
    if drums.startswith("machine:"):
        return list(dsp.DRUM_MACHINE_INFO.get(drums[8:], [drums[8:] + " drum machine"]))
    return list(theory.KIT_WORDS[drums])


def key_name(plan: Plan, rng, short: bool = False) -> str:
    k = plan.key
    if k in theory.FLAT_NAMES and rng.random() < 0.5:
        k = theory.FLAT_NAMES[k]
    mode = plan.mode or "major"
    if short:
        return k + ("m" if theory.MODE_QUALITY[mode] == "minor" and mode == "minor" else
                    "" if mode == "major" else f" {mode}")
    return f"{k} {mode}"


def tempo_word(bpm: float, rng, reserved: bool) -> str:
    for _name, (limit, train, res) in V.TEMPO_WORDS.items():
        if bpm <= limit:
            return _pick(rng, res if reserved else train)
    return ""


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def caption(plan: Plan, rng: np.random.Generator, reserved: bool = False) -> str:
    """One caption for `plan`."""
    if plan.kind == "one-shot":
        return _oneshot_caption(plan, rng, reserved)
    return _music_caption(plan, rng, reserved)


def captions(plan: Plan, rng: np.random.Generator, n: int = 8, reserved: bool = False) -> list[str]:
    """Up to `n` distinct captions (fewer only when the plan allows few distinct wordings)."""
    out: list[str] = []
    for _ in range(n * 6):
        c = caption(plan, rng, reserved)
        if c and c not in out:
            out.append(c)
        if len(out) >= n:
            break
    return out


def _clean(text: str) -> str:
    text = " ".join(text.split())
    text = text.replace(" ,", ",").replace(",,", ",").strip(" ,")
    return text


def _music_caption(plan: Plan, rng, reserved: bool) -> str:
    style = STYLES[plan.style]
    style_word = _pick(rng, style.words)
    kind_word = _pick(rng, _pool(V.KIND_WORDS[plan.kind], reserved))
    mood = _pick(rng, _pool(V.MOOD_WORDS[plan.mode], reserved))
    tempo = tempo_word(plan.tempo_bpm, rng, reserved)
    energy = _pick(rng, _pool(V.ENERGY_WORDS[plan.energy], reserved))
    bpm = str(int(round(plan.tempo_bpm)))
    parts = list(plan.instruments)
    rng.shuffle(parts)
    k = 1 + int(rng.integers(min(3, len(parts)))) if parts else 0
    insts = [_pick(rng, instrument_words(p.instrument)) for p in parts[:k]]
    solo = len(plan.instruments) == 1 and plan.drums is None
    inst_text = _join(insts) if insts else _pick(rng, drums_words(plan.drums))
    if solo and rng.random() < 0.5:
        inst_text = f"{_pick(rng, _pool(V.SOLO_WORDS, reserved))} {inst_text}"
    drums = _pick(rng, drums_words(plan.drums)) if plan.drums else _pick(rng, _pool(V.DRUMLESS_WORDS, reserved))
    groove = _pick(rng, V.GROOVE_TERMS.get(plan.style, [style_word]))
    if plan.style == "trap" and plan.drums is None:
        groove = style_word
    mix_bits = [w for w in (_pick(rng, _pool(V.REVERB_WORDS[plan.reverb], reserved)),
                            _pick(rng, _pool(V.TONE_WORDS[plan.tone], reserved))) if w]
    fields = {
        "style": style_word, "kind": kind_word, "mood": mood, "tempo": tempo, "energy": energy, "bpm": bpm,
        "insts": inst_text, "drums": drums, "groove": groove, "mix": _pick(rng, mix_bits) if mix_bits else energy,
        "keyname": key_name(plan, rng), "key_short": key_name(plan, rng, short=True),
        "meter": _pick(rng, _pool(V.METER_WORDS[plan.meter], reserved)),
    }
    if rng.random() < 0.3:
        return _tag_list(plan, rng, reserved, fields)
    templates = V.RESERVED_TEMPLATES if reserved else V.TRAIN_TEMPLATES
    tpl = _pick(rng, templates)
    if "{drums}" in tpl and "over {drums}" in tpl and plan.drums is None:
        tpl = "{insts}, {drums}, {style}"
    text = tpl.format(**fields)
    extras = []
    if plan.swing >= 0.56 and rng.random() < 0.4:
        extras.append(_pick(rng, _pool(V.SWING_WORDS, reserved)))
    if plan.sidechain and rng.random() < 0.5:
        extras.append(_pick(rng, _pool(V.SIDECHAIN_WORDS, reserved)))
    dyn = _pool(V.DYNAMICS_WORDS[plan.dynamics], reserved)
    if dyn and rng.random() < 0.25:
        extras.append(_pick(rng, dyn))
    if extras:
        text = text.rstrip(".") + ", " + ", ".join(extras)
    return _clean(text)


def _tag_list(plan: Plan, rng, reserved: bool, f: dict) -> str:
    tags = [f["style"], f["mood"], f["tempo"], f"{f['bpm']} bpm", f["key_short"] if rng.random() < 0.5 else f["keyname"],
            f["energy"], f["groove"], f["kind"]]
    tags += [_pick(rng, instrument_words(p.instrument)) for p in plan.instruments]
    if plan.drums:
        tags.append(f["drums"])
    for table, value in ((V.REVERB_WORDS, plan.reverb), (V.TONE_WORDS, plan.tone), (V.WIDTH_WORDS, plan.width),
                         (V.REGISTER_WORDS, plan.register)):
        w = _pool(table[value], reserved)
        if w:
            tags.append(_pick(rng, w))
    if plan.meter != "4/4":
        tags.append(f["meter"])
    if plan.swing >= 0.56:
        tags.append(_pick(rng, _pool(V.SWING_WORDS, reserved)))
    if plan.sidechain:
        tags.append(_pick(rng, _pool(V.SIDECHAIN_WORDS, reserved)))
    tags = [t for t in tags if t]
    keep = max(3, int(rng.integers(3, len(tags) + 1)))
    idx = sorted(rng.choice(len(tags), size=min(keep, len(tags)), replace=False))
    chosen = [tags[i] for i in idx]
    if rng.random() < 0.5:
        rng.shuffle(chosen)
    sep = ", " if reserved or rng.random() < 0.7 else " "
    return _clean(sep.join(dict.fromkeys(chosen)))


def _oneshot_caption(plan: Plan, rng, reserved: bool) -> str:
    from . import dsp
    shot = plan.oneshot
    adj_pool = {"soft": ["soft", "gentle", "quiet"], "moderate": ["clean", "tight", "crisp"],
                "loud": ["punchy", "hard", "loud", "heavy"], "building": ["punchy"], "fading": ["soft"]}[plan.dynamics]
    adj = _pick(rng, adj_pool + [w for w in _pool(V.REVERB_WORDS[plan.reverb], reserved)[:1]]
                + [w for w in _pool(V.TONE_WORDS[plan.tone], reserved)[:1]])
    if shot.startswith("sfx:") or shot in ("riser", "impact"):
        kind = plan.instruments[0].instrument[4:]
        sfx = _pick(rng, dsp.SFX_INFO.get(kind, [kind.replace("_", " ")]))
        if shot in ("riser", "impact") and rng.random() < 0.4:
            sfx = _pick(rng, _pool(V.ONESHOT_WORDS[shot], reserved))
        tpl = _pick(rng, V.SFX_RESERVED if reserved else V.SFX_TEMPLATES)
        return _clean(tpl.format(sfx=sfx, adj=adj))
    if shot in DRUM_ONESHOTS:
        hit = theory.DRUM_WORDS.get(plan.pitch) if rng.random() < 0.6 else None
        shot_word = hit or _pick(rng, _pool(V.ONESHOT_WORDS[shot], reserved))
        source = _pick(rng, drums_words(plan.drums))
        if plan.drums.startswith("machine:") and rng.random() < 0.6:
            source = _pick(rng, V.MACHINE_WORDS.get(plan.drums[8:], [source]))
        tpl = _pick(rng, V.ONESHOT_RESERVED if reserved else V.ONESHOT_TEMPLATES)
        return _clean(tpl.format(source=source, shot=shot_word, adj=adj))
    inst = _pick(rng, instrument_words(plan.instruments[0].instrument))
    if shot == "note":
        pitch = theory.note_name(plan.pitch)
        if rng.random() < 0.4:
            pitch = theory.NOTE_NAMES[plan.pitch % 12]  # pitch class without the octave
        tpl = _pick(rng, V.NOTE_RESERVED if reserved else V.NOTE_TEMPLATES)
        return _clean(tpl.format(inst=inst, pitch=pitch, adj=adj))
    shot_word = _pick(rng, _pool(V.ONESHOT_WORDS[shot], reserved))
    if shot in ("chord_stab", "pad_swell"):
        chord = key_name(plan, rng) if rng.random() < 0.6 else key_name(plan, rng, short=True)
        forms = ([f"{chord} {shot_word}", f"{inst} {shot_word}", f"{inst} {shot_word} in {chord}", f"{adj} {shot_word}",
                  f"{shot_word}, {inst}, {chord}", f"{chord} chord on {inst}"]
                 if not reserved else [f"an isolated {shot_word} voiced as {chord} on {inst}", f"{inst} sustaining {chord}"])
        return _clean(_pick(rng, forms))
    # bass_hit
    pitch = theory.note_name(plan.pitch)
    forms = ([f"{inst} {shot_word}", f"{shot_word}", f"{adj} {inst}", f"{inst} one-shot {pitch}", f"{shot_word} in {plan.key}",
              f"{inst} hit"] if not reserved else [f"an isolated low {inst} tone at {pitch}"])
    return _clean(_pick(rng, forms))
