"""Family captions: a training-time text augmentation that must stay true of its clip."""
import numpy as np

from aligner.family_captions import FAMILY_WORDS, all_family_captions, family_caption


def test_family_captions_name_only_families_the_clip_holds_and_are_pre_embeddable():
    rng = np.random.default_rng(0)
    known = set(all_family_captions())
    plan = {"kind": "loop", "families": ["woodwind", "bass"]}
    allowed = set(FAMILY_WORDS["woodwind"] + FAMILY_WORDS["bass"])
    others = {w for f, ws in FAMILY_WORDS.items() if f not in plan["families"] for w in ws} - allowed
    for _ in range(200):
        cap = family_caption(plan, rng)
        assert cap in known
        assert any(w in cap for w in allowed)
        assert not any(f" {w} " in f" {cap} " for w in others if " " not in w)


def test_no_family_caption_without_families_or_for_a_single_drum_hit():
    rng = np.random.default_rng(1)
    assert family_caption({"kind": "loop"}, rng) is None
    assert family_caption({"kind": "one-shot", "families": ["drums"]}, rng) is None
    assert family_caption({"kind": "one-shot", "families": ["brass"]}, rng) is not None
