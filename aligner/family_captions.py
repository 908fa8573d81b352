"""Family captions: a text augmentation built from a clip's instrument families.

Corpus captions name instruments ("rhodes", "clarinet", "timpani"); people also search by family
("woodwinds", "some keys", "tuned percussion"), and a frozen sentence model only partly links the
two. When a dataset's plans list `families` (the corpus builder writes them), training sometimes
swaps a clip's caption for a short family caption of that clip: every family named is one the clip
holds, so the caption stays true. Wordings here are training-only; the evaluation's zero-shot
prompts (`aligner.evaluate`) use their own templates.
"""
from __future__ import annotations

import numpy as np

FAMILY_WORDS = {
    "drums": ["drums", "drum kit", "beat"], "bass": ["bass", "bassline", "low end"],
    "synth pad": ["synth pad", "pad", "synth texture"], "synth lead": ["synth lead", "lead synth", "synth line"],
    "keys": ["keys", "keyboard", "electric keys"], "guitar": ["guitar", "guitars", "six-string"],
    "piano": ["piano", "acoustic piano", "piano keys"], "woodwind": ["woodwinds", "woodwind instrument", "wind instrument"],
    "organ": ["organ", "organ chords", "keyboard organ"], "fx": ["sound effect", "sfx", "foley"],
    "brass": ["brass", "horns", "brass section"], "mallet": ["mallets", "tuned percussion", "mallet instrument"],
    "strings": ["strings", "string section", "bowed strings"], "choir": ["choir", "voices", "vocal ensemble"],
    "percussion": ["percussion", "hand percussion", "auxiliary percussion"],
    "plucked": ["plucked strings", "plucked instrument", "harp-like plucks"],
}
TEMPLATES = ["{a}", "{a} sample", "{a} recording", "some {a}", "{a} part", "{a} and {b}", "{a} with {b}",
             "{a}, {b}"]


def families_of(plan: dict) -> list[str]:
    fams = plan.get("families") if isinstance(plan, dict) else None
    return [f for f in fams or [] if f in FAMILY_WORDS]


def family_caption(plan: dict, rng: np.random.Generator) -> str | None:
    """A short true caption naming one or two of the plan's families; None if it lists none."""
    fams = families_of(plan)
    if not fams or plan.get("kind") == "one-shot" and fams == ["drums"]:
        return None  # a single drum hit is not "a beat" or "a drum kit"
    tpl = TEMPLATES[int(rng.integers(len(TEMPLATES)))]
    if "{b}" in tpl and len(fams) < 2:
        tpl = TEMPLATES[int(rng.integers(5))]
    pick = rng.choice(len(fams), size=min(2, len(fams)), replace=False)
    words = [FAMILY_WORDS[fams[i]][int(rng.integers(3))] for i in pick]
    return tpl.format(a=words[0], b=words[-1])


def all_family_captions() -> list[str]:
    """Every caption `family_caption` can produce (to embed them once, ahead of training)."""
    words = [w for ws in FAMILY_WORDS.values() for w in ws]
    out = []
    for tpl in TEMPLATES:
        if "{b}" in tpl:
            out += [tpl.format(a=a, b=b) for a in words for b in words if a != b]
        else:
            out += [tpl.format(a=a, b=a) for a in words]
    return out


def family_caption_sets() -> dict[str, frozenset[str]]:
    """{family caption: the families it names} for every caption `family_caption` can produce:
    a caption is true of every clip holding those families (text-only training scores it
    against a whole catalogue, where that makes many clips right answers). A caption two
    family sets can spell names their common families only."""
    words = [(f, w) for f, ws in FAMILY_WORDS.items() for w in ws]
    out: dict[str, frozenset[str]] = {}
    for tpl in TEMPLATES:
        pairs = ([(a, b) for a in words for b in words if a[1] != b[1]] if "{b}" in tpl
                 else [(a, a) for a in words])
        for (fa, wa), (fb, wb) in pairs:
            cap = tpl.format(a=wa, b=wb)
            fams = frozenset((fa, fb))
            out[cap] = out[cap] & fams if cap in out else fams
    return out
