"""Modelled stand-ins for GM parts (`timbre_models`): which parts use them, that the caption
stays the same while the sound changes, and how a corpus folder records and guards the share."""
from __future__ import annotations

import json

import numpy as np
import pytest

from generator import theory
from generator.corpus import CorpusError, build_corpus, plan_for
from generator.dsp import acoustic
from generator.engine import make_audio
from generator.render import modelled_tracks
from generator.score import Score, Track


def test_every_gm_instrument_and_kit_has_a_stand_in():
    missing = [s for s in theory.GM_INSTRUMENTS if not acoustic.has_model(s)]
    assert missing == ["timpani", "taiko", "melodic_tom"]  # pitched drums: soundfont only
    rng = np.random.default_rng(0)
    for kit in theory.GM_KITS:
        y = acoustic.render_kit(kit, [(0.0, 36, 100), (0.3, 38, 90), (0.6, 42, 80)], 1.0, 44_100, rng)
        assert y.shape == (44_100,) and y.dtype == np.float32 and 0.7 < np.abs(y).max() <= 0.8


def test_share_picks_gm_tracks_only_and_share_zero_none():
    tracks = [Track("drums", "standard"), Track("bass", "finger_bass"), Track("lead", "synth:saw_lead"),
              Track("fx", "sfx:rain"), Track("drums", "machine:909")]
    score = Score(duration_s=2.0, tracks=tracks)
    assert modelled_tracks(score, 1, 0.0) == [False] * 5
    assert modelled_tracks(score, 1, 1.0) == [True, True, False, False, False]
    picks = np.array([modelled_tracks(score, s, 0.5)[:2] for s in range(400)])
    assert 0.4 < picks.mean() < 0.6  # about half, each track drawn on its own
    assert 0.15 < (picks[:, 0] & ~picks[:, 1]).mean() < 0.35


def test_stand_ins_change_the_sound_not_the_plan():
    for i in range(40):
        plan, seed, _ = plan_for(3, i)
        if plan.kind == "arrangement" and plan.drums and not str(plan.drums).startswith("machine:"):
            break
    base, sr = make_audio(plan, seed)
    assert np.array_equal(base, make_audio(plan, seed, None, 0.0)[0])
    modelled, _ = make_audio(plan, seed, None, 1.0)
    assert modelled.shape == base.shape and np.isfinite(modelled).all()
    assert not np.allclose(modelled, base, atol=1e-3)
    assert np.array_equal(modelled, make_audio(plan, seed, None, 1.0)[0])  # deterministic


def test_corpus_records_the_share_and_refuses_to_mix(tmp_path):
    out = tmp_path / "c"
    build_corpus(out, 3, seed=4, workers=1, timbre_models=0.5)
    recs = [json.loads(x) for x in (out / "captions.jsonl").read_text().splitlines()]
    assert len(recs) == 3 and all(r["timbre_models"] == 0.5 for r in recs)
    with pytest.raises(CorpusError, match="built with timbre models 0.5"):
        build_corpus(out, 4, seed=4, workers=1)
    with pytest.raises(CorpusError, match="between 0 and 1"):
        build_corpus(tmp_path / "d", 2, seed=4, workers=1, timbre_models=1.5)
    build_corpus(out, 4, seed=4, workers=1, timbre_models=0.5)  # the same share resumes
    assert len((out / "captions.jsonl").read_text().splitlines()) == 4


def test_cli_timbre_models(tmp_path):
    from click.testing import CliRunner

    from cli.main import cli
    out = tmp_path / "c"
    res = CliRunner().invoke(cli, ["--home", str(tmp_path / "h"), "corpus", "build", str(out),
                                   "--clips", "2", "--seed", "5", "--workers", "1", "--quiet",
                                   "--timbre-models", "0.7"])
    assert res.exit_code == 0, res.output
    assert "--timbre-models 0.7" in (out / "README.md").read_text()
    bad = CliRunner().invoke(cli, ["--home", str(tmp_path / "h"), "corpus", "build", str(out),
                                   "--clips", "3", "--seed", "5", "--workers", "1", "--quiet"])
    assert bad.exit_code == 1 and "built with timbre models 0.7" in bad.output


def test_kind_weights_shape_the_corpus_and_guard_resume(tmp_path):
    from generator.corpus import parse_kind_weights
    w = parse_kind_weights("one-shot=8, loop=1,arrangement=1")
    assert w == {"one-shot": 0.8, "loop": 0.1, "arrangement": 0.1}
    kinds = [plan_for(6, i, w)[0].kind for i in range(300)]
    assert 0.7 < kinds.count("one-shot") / 300 < 0.9
    assert [plan_for(6, i)[0] for i in range(5)] == [plan_for(6, i, None)[0] for i in range(5)]
    for bad, msg in (("drone=1", "unknown kind"), ("loop=x", "not kind=weight"), ("loop=0", "no kind")):
        with pytest.raises(CorpusError, match=msg):
            parse_kind_weights(bad)
    out = tmp_path / "c"
    build_corpus(out, 2, seed=4, workers=1, kind_weights=parse_kind_weights("one-shot=1"))
    recs = [json.loads(x) for x in (out / "captions.jsonl").read_text().splitlines()]
    assert all(r["plan"]["kind"] == "one-shot" and r["kind_weights"]["one-shot"] == 1.0 for r in recs)
    with pytest.raises(CorpusError, match="built with kind weights"):
        build_corpus(out, 3, seed=4, workers=1)
