"""PlanDecoder + generate pipeline: valid plans, explicit facts win, determinism, files and tags,
persistence, bad input. Uses a small real decoder (tests/decoder_double.py) and the projection
test aligner, so it does not depend on the trained weights."""
import json

import numpy as np
import pytest
import soundfile as sf

from aligner.base import l2_normalise
from aligner_double import ProjectionAligner
from decoder_double import tiny_decoder
from generator.decoder import (HEADS, DecoderError, PlanDecoder, PlanVocab, check_compatible,
                               plan_labels)
from generator.generate import (GenerateError, Generator, candidate_seed, prompt_seed,
                                read_provenance, sidecar_path)
from generator.plan import KINDS, Plan
from generator.prompt import PromptError, parse_prompt
from generator.sampling import random_plan


@pytest.fixture(scope="module")
def decoder():
    return tiny_decoder(32)


@pytest.fixture(scope="module")
def aligner():
    return ProjectionAligner(seed=3, dim=32)


@pytest.fixture
def settings(tmp_path):
    from catalog.settings import Settings
    return Settings(home=tmp_path / "home")


@pytest.fixture
def gen(settings, aligner, decoder):
    return Generator(settings, aligner=aligner, decoder=decoder)


def unit(seed, dim=32):
    return l2_normalise(np.random.default_rng(seed).standard_normal(dim).astype(np.float32))


def test_labels_cover_every_head_and_vocab_encodes_them():
    rng = np.random.default_rng(5)
    plans = [random_plan(rng).to_dict() for _ in range(60)]
    vocab = PlanVocab.build(plans)
    for p in plans:
        lab = plan_labels(p)
        assert set(lab) == set(HEADS)
        enc = vocab.encode(p)
        assert all(enc[h] >= 0 and vocab.heads[h][enc[h]] == lab[h] for h in HEADS)
    one = next(p for p in plans if p["kind"] == "one-shot")
    assert plan_labels(one)["tempo"] == "none" and plan_labels(one)["oneshot"] == one["oneshot"]


def test_sampled_plans_are_valid_and_cover_kinds(decoder):
    kinds = set()
    for i in range(120):
        plan = decoder.sample(unit(i), np.random.default_rng(i))
        assert isinstance(plan, Plan)
        Plan.from_dict(plan.to_dict())  # round-trips through validation
        kinds.add(plan.kind)
        if plan.kind != "one-shot":
            assert plan.tempo_bpm and plan.key and plan.mode and plan.meter
    assert kinds == set(KINDS)


@pytest.mark.parametrize("prompt", [
    "lo-fi beat, 92 BPM in D minor, 3/4, 10 seconds",
    "techno loop at 128 bpm in F# major, 6/8, 4 seconds",
    "funk in E dorian, 2.5 s",
    "kick one-shot, 0.3 s",
    "pad one-shot in Bb minor",
])
def test_explicit_facts_win(decoder, prompt):
    facts = parse_prompt(prompt)
    for i in range(12):
        plan = decoder.sample(unit(100 + i), np.random.default_rng(i), facts)
        if facts.tempo:
            assert plan.tempo_bpm == facts.tempo
        if facts.key:
            assert plan.key == facts.key
        if facts.mode:
            assert plan.mode == facts.mode
        if facts.meter:
            assert plan.meter == facts.meter
        if facts.duration:
            assert plan.duration_s == pytest.approx(facts.duration)
        if facts.kind:
            assert plan.kind == facts.kind
        elif facts.tempo or facts.meter:
            assert plan.kind != "one-shot"
        if plan.kind == "one-shot" and plan.pitch is not None and plan.drums is None and facts.key:
            assert plan.pitch % 12 == "C C# D D# E F F# G G# A A# B".split().index(facts.key)


def test_duration_argument_overrides_the_prompt(decoder):
    plan = decoder.sample(unit(1), np.random.default_rng(1), parse_prompt("ambient, 10 seconds"), duration=1.5)
    assert plan.duration_s == 1.5


def test_same_seed_same_plan_other_seed_differs(decoder):
    facts = parse_prompt("warm pad")
    a = [decoder.sample(unit(7), np.random.default_rng(s), facts).to_dict() for s in range(6)]
    b = [decoder.sample(unit(7), np.random.default_rng(s), facts).to_dict() for s in range(6)]
    assert a == b
    assert len({json.dumps(p, sort_keys=True) for p in a}) > 1


def test_a_used_prior_is_part_of_the_id(decoder):
    """The prior changes what the heads see, so the clips: it must change the id recorded in
    every generated clip's tags (an unused prior changes nothing, nor the id)."""
    dim = decoder.dim
    rng = np.random.default_rng(0)
    prior = {"w": rng.normal(size=(dim, dim)).astype(np.float32), "b": np.zeros(dim, np.float32)}
    plain = PlanDecoder(decoder.vocab, decoder.params, decoder.meta)
    unused = PlanDecoder(decoder.vocab, decoder.params, decoder.meta, {**prior, "use": False})
    used = PlanDecoder(decoder.vocab, decoder.params, decoder.meta, {**prior, "use": True})
    other = PlanDecoder(decoder.vocab, decoder.params, decoder.meta, {**prior, "b": prior["b"] + 1, "use": True})
    assert unused.id == plain.id
    assert len({plain.id, used.id, other.id}) == 3


def test_save_load_round_trip(decoder, tmp_path):
    path = tmp_path / "dec.pt"
    decoder.save(path)
    back = PlanDecoder.load(path)
    assert back.id == decoder.id and back.vocab.heads == decoder.vocab.heads
    e = unit(9)
    for h, z in decoder.logits(e).items():
        np.testing.assert_allclose(back.logits(e)[h], z, rtol=1e-6)
    with pytest.raises(DecoderError, match="not found"):
        PlanDecoder.load(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(DecoderError, match="cannot read"):
        PlanDecoder.load(tmp_path / "junk.pt")


def test_decoder_refuses_other_embedding_sizes(decoder):
    with pytest.raises(DecoderError, match="64 dimensions"):
        decoder.logits(unit(0, dim=64))
    with pytest.raises(DecoderError):
        check_compatible(decoder, ProjectionAligner(dim=16))


def test_seeds_are_stable():
    assert prompt_seed("Warm  pad") == prompt_seed("warm pad") != prompt_seed("cold pad")
    assert len({candidate_seed(5, i) for i in range(4)}) == 4
    assert candidate_seed(5, 0) == candidate_seed(5, 0)


def test_generate_is_deterministic_and_tagged(gen, tmp_path):
    prompt = "bright house loop, 120 BPM in A minor, 1.5 seconds"
    a = gen.generate(prompt, seed=11, candidates=2, out=tmp_path / "a.flac")
    b = gen.generate(prompt, seed=11, candidates=2, out=tmp_path / "b.flac")
    c = gen.generate(prompt, seed=12, candidates=2, write=False)
    np.testing.assert_array_equal(a.audio, b.audio)
    assert not np.array_equal(a.audio, c.audio) or a.plan != c.plan
    wa, sr = sf.read(tmp_path / "a.flac", dtype="int16")
    wb, _ = sf.read(tmp_path / "b.flac", dtype="int16")
    np.testing.assert_array_equal(wa, wb)
    assert sr == 44100 and wa.shape == (round(1.5 * 44100), 2)
    assert a.plan.tempo_bpm == 120 and a.plan.key == "A" and a.plan.mode == "minor"
    prov = read_provenance(tmp_path / "a.flac")
    assert prov["prompt"] == prompt and prov["seed"] == 11 and prov["decoder"] == gen.decoder.id
    assert prov["aligner"] == gen.aligner.id and Plan.from_dict(prov["plan"]) == a.plan
    with sf.SoundFile(tmp_path / "a.flac") as fh:
        assert fh.title == prompt and gen.decoder.id in fh.software
    out = a.to_json()
    assert {"path", "plan", "score", "seconds", "candidates"} <= set(out)
    assert len(out["candidates"]) == 2 and out["candidates"][0]["score"] >= out["candidates"][1]["score"]
    assert out["score"] == pytest.approx(float(gen.aligner.embed_audio([a.audio], 44100)[0]
                                               @ gen.aligner.embed_text([prompt])[0]), abs=1e-3)


def test_default_path_and_seed(gen, settings):
    res = gen.generate("snare one-shot, 0.2 s", candidates=1)
    assert res.path.parent == settings.generated_dir and res.path.suffix == ".flac"
    assert res.seed == prompt_seed("snare one-shot, 0.2 s")
    assert res.plan.kind == "one-shot" and res.duration == pytest.approx(0.2, abs=1e-4)


def test_wav_output_with_a_long_provenance_uses_a_sidecar(gen, tmp_path, monkeypatch):
    import generator.generate as generate_mod
    # libsndfile drops WAV INFO strings over ~2 KB; a lower limit exercises the sidecar path
    monkeypatch.setattr(generate_mod, "WAV_COMMENT_LIMIT", 400)
    prompt = "ambient drone, 0.5 seconds, " + "with slowly shifting evolving textures " * 8
    res = gen.generate(prompt, seed=3, candidates=1, out=tmp_path / "long.wav")
    assert sf.info(tmp_path / "long.wav").format == "WAV"
    assert sidecar_path(tmp_path / "long.wav").is_file()
    assert read_provenance(tmp_path / "long.wav")["prompt"] == res.prompt
    monkeypatch.setattr(generate_mod, "WAV_COMMENT_LIMIT", 2000)
    again = gen.generate(prompt, seed=3, candidates=1, out=tmp_path / "long.wav")
    assert not sidecar_path(tmp_path / "long.wav").exists()  # the stale sidecar is gone
    assert read_provenance(again.path)["prompt"] == prompt.strip()


@pytest.mark.parametrize("prompt,needle", [
    ("", "empty"), ("x" * 10_000, "10,000 characters"), ("\x00\x01\x02binary\xff", "non-text"),
    ("bytes \udc80\udcff", "non-text"), ("techno at 500 bpm", "tempo 500"),
])
def test_bad_prompts_raise_clear_errors(gen, prompt, needle):
    with pytest.raises(PromptError, match=needle):
        gen.generate(prompt, candidates=1, write=False)


@pytest.mark.parametrize("kwargs,needle", [
    ({"duration": 0.05}, "between 0.1 s and 300 s"), ({"duration": 301}, "between"),
    ({"candidates": 0}, "1-16"), ({"out": "clip.mp3"}, "unsupported extension"),
    ({"out": "/nonexistent-dir/x.flac"}, "does not exist"), ({"seed": -1}, "non-negative"),
])
def test_bad_arguments_raise_clear_errors(gen, kwargs, needle):
    with pytest.raises(GenerateError, match=needle):
        gen.generate("warm pad, 1 s", **kwargs)


def test_cli_rejects_bad_prompts_before_loading_models(tmp_path):
    from click.testing import CliRunner
    from cli.main import cli
    runner = CliRunner()
    for prompt, needle in [("", "empty"), ("y" * 10_000, "10,000"), ("pad\x1b[2J", "non-text")]:
        r = runner.invoke(cli, ["--home", str(tmp_path), "generate", prompt])
        assert r.exit_code == 1 and "error: prompt" in r.output and needle in r.output
        assert "Traceback" not in r.output
