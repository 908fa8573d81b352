"""PlanScorer (plan -> predicted audio embedding) and the generate pipeline's pool pre-screen and
full-render ranking. Small real decoder (tests/decoder_double.py) and the projection aligner."""
import numpy as np
import pytest

from aligner.base import l2_normalise
from aligner_double import ProjectionAligner
from decoder_double import tiny_decoder
from generator.decoder import PlanDecoder
from generator.decoder_scorer import PlanScorer, ScorerError, fit_scorer, plan_features, scorer_metrics
from generator.generate import Generator, candidate_seed, embed_many
from generator.prompt import parse_prompt
from generator.sampling import random_plan

DIM = 32


@pytest.fixture(scope="module")
def decoder():
    return tiny_decoder(DIM)


@pytest.fixture(scope="module")
def plans():
    rng = np.random.default_rng(11)
    return [random_plan(rng).to_dict() for _ in range(400)]


def linear_truth(decoder, plans, noise=0.05, seed=0):
    """Embeddings that really are a (noisy) linear function of the plan features."""
    rng = np.random.default_rng(seed)
    x = plan_features(decoder.vocab, plans)
    w = rng.standard_normal((x.shape[1], DIM)).astype(np.float32)
    return l2_normalise(x @ w + noise * rng.standard_normal((len(plans), DIM)).astype(np.float32))


def test_features_are_one_hot_per_head(decoder, plans):
    x = plan_features(decoder.vocab, plans[:50])
    assert x.shape == (50, sum(len(v) for v in decoder.vocab.heads.values()))
    # every head contributes at most one active feature (none for a label the vocab never saw)
    assert set(np.unique(x)) <= {0.0, 1.0} and (x.sum(1) <= len(decoder.vocab.heads)).all()


def test_fit_recovers_a_linear_map_and_beats_a_shuffled_fit(decoder, plans):
    y = linear_truth(decoder, plans)
    scorer = fit_scorer(decoder.vocab, plans[:300], y[:300])
    good = scorer_metrics(scorer, plans[300:], y[300:], text=y[300:320])
    shuffled = fit_scorer(decoder.vocab, plans[:300], y[np.random.default_rng(1).permutation(300)])
    bad = scorer_metrics(shuffled, plans[300:], y[300:], text=y[300:320])
    assert good["cosine"] > 0.9 and good["similarity_correlation"] > 0.9
    assert bad["cosine"] < good["cosine"] - 0.3
    pred = scorer.predict(plans[300:305])
    np.testing.assert_allclose(np.linalg.norm(pred, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(scorer.score(plans[300:305], y[300]), pred @ y[300], rtol=1e-5)


def test_bad_scorer_input_raises(decoder, plans):
    with pytest.raises(ScorerError, match="3 plans for 2 embeddings"):
        fit_scorer(decoder.vocab, plans[:3], np.zeros((2, DIM), np.float32))
    with pytest.raises(ScorerError, match="does not fit"):
        PlanScorer(decoder.vocab, np.zeros((5, DIM), np.float32), np.zeros(DIM, np.float32))


def test_scorer_is_saved_loaded_and_part_of_the_id(decoder, plans, tmp_path):
    scorer = fit_scorer(decoder.vocab, plans, linear_truth(decoder, plans))
    with_scorer = PlanDecoder(decoder.vocab, decoder.params, decoder.meta, scorer=scorer)
    assert with_scorer.id != decoder.id
    with_scorer.save(tmp_path / "d.pt")
    back = PlanDecoder.load(tmp_path / "d.pt")
    assert back.id == with_scorer.id
    np.testing.assert_array_equal(back.scorer.w, scorer.w)
    decoder.save(tmp_path / "plain.pt")  # a decoder without a scorer still round-trips
    assert PlanDecoder.load(tmp_path / "plain.pt").scorer is None


def test_temperature_zero_takes_the_mode(decoder):
    facts = parse_prompt("warm pad")
    e = l2_normalise(np.random.default_rng(4).standard_normal(DIM).astype(np.float32))
    lg = decoder.prompt_logits(e, facts)
    a = decoder.draw(lg, np.random.default_rng(1), facts, 2.0, 0.0)
    b = decoder.draw(lg, np.random.default_rng(2), facts, 2.0, 0.0)
    assert (a.kind, a.style, a.instruments, a.energy) == (b.kind, b.style, b.instruments, b.energy)
    kinds = decoder.vocab.heads["kind"]
    assert a.kind == max((k for k in kinds), key=lambda k: lg["kind"][kinds.index(k)])


def test_pool_is_prescreened_by_the_scorer(decoder, plans, tmp_path):
    from catalog.settings import Settings
    aligner = ProjectionAligner(seed=3, dim=DIM)
    scorer = fit_scorer(decoder.vocab, plans, linear_truth(decoder, plans))
    dec = PlanDecoder(decoder.vocab, decoder.params, decoder.meta, scorer=scorer)
    gen = Generator(Settings(home=tmp_path), aligner=aligner, decoder=dec, pool_size=12)
    prompt = "bright house loop, 1 second"
    facts, text, seed, chosen = gen.plans(prompt, seed=5, candidates=3)
    # rebuild the pool by hand: member i drawn with candidate_seed(seed, i), member 0 the mode
    lg = dec.prompt_logits(dec.text_to_input(text), facts)
    pool = [(candidate_seed(5, i), dec.draw(lg, np.random.default_rng([candidate_seed(5, i), 0xDEC0DE]),
                                            facts, None, 0.0 if i == 0 else gen.temperature))
            for i in range(12)]
    pred = scorer.score([p.to_dict() for _, p in pool], text)
    assert [cs for cs, _ in chosen] == [pool[i][0] for i in np.argsort(-pred, kind="stable")[:3]]
    assert [p for _, p in chosen] == [pool[i][1] for i in np.argsort(-pred, kind="stable")[:3]]
    # same prompt + seed = same choice; the pool decides nothing without a scorer
    assert gen.plans(prompt, seed=5, candidates=3)[3] == chosen
    plain = Generator(Settings(home=tmp_path), aligner=aligner, decoder=decoder, pool_size=12)
    assert [cs for cs, _ in plain.plans(prompt, seed=5, candidates=3)[3]] == [candidate_seed(5, i) for i in range(3)]


def test_long_candidates_are_previewed_and_the_winner_is_a_full_render(decoder, tmp_path):
    from catalog.settings import Settings
    from generator.engine import make_audio
    aligner = ProjectionAligner(seed=3, dim=DIM)
    # budget 8 s for 3 candidates of 4 s: previews of 1 s, then one 4 s full render fits 5 s left
    gen = Generator(Settings(home=tmp_path), aligner=aligner, decoder=decoder, preview_s=1.0,
                    render_budget_s=8.0)
    res = gen.generate("slow ambient pad, 4 seconds", seed=2, candidates=3, write=False)
    ranked_on = [c.ranked_on for c in res.candidates]
    assert ranked_on[0] == "full" and ranked_on.count("full") == 1 and ranked_on.count("preview") == 2
    text = aligner.embed_text([res.prompt])[0]
    assert res.score == pytest.approx(float(aligner.embed_audio([res.audio], 44100)[0] @ text), abs=1e-5)
    winner = res.candidates[0]
    ref, sr = make_audio(winner.plan, winner.seed)
    np.testing.assert_array_equal(ref, res.audio)
    # with room for everything, every candidate is ranked on its full render
    roomy = Generator(Settings(home=tmp_path), aligner=aligner, decoder=decoder, preview_s=1.0,
                      render_budget_s=40.0)
    res2 = roomy.generate("slow ambient pad, 4 seconds", seed=2, candidates=3, write=False)
    assert all(c.ranked_on == "full" for c in res2.candidates)
    full = [make_audio(c.plan, c.seed)[0] for c in res2.candidates]
    scores = embed_many(aligner, full, 44100) @ text
    assert [c.score for c in res2.candidates] == pytest.approx(sorted(scores, reverse=True), abs=1e-5)


def test_diverse_candidates_have_distinct_sounds(decoder, plans, tmp_path):
    from catalog.settings import Settings
    aligner = ProjectionAligner(seed=3, dim=DIM)
    scorer = fit_scorer(decoder.vocab, plans, linear_truth(decoder, plans))
    dec = PlanDecoder(decoder.vocab, decoder.params, decoder.meta, scorer=scorer)
    top = Generator(Settings(home=tmp_path), aligner=aligner, decoder=dec, pool_size=64, temperature=0.3)
    div = Generator(Settings(home=tmp_path), aligner=aligner, decoder=dec, pool_size=64, temperature=0.3,
                    diverse=True)
    prompt = "warm lofi loop with rhodes"
    sound = lambda p: (p.kind, p.style, p.oneshot, p.instruments, p.drums)  # noqa: E731
    plain = [p for _, p in top.plans(prompt, seed=3, candidates=4)[3]]
    varied = [p for _, p in div.plans(prompt, seed=3, candidates=4)[3]]
    assert plain[0] == varied[0]  # the scorer's best is always first
    assert len({sound(p) for p in varied}) >= len({sound(p) for p in plain})
    assert len({sound(p) for p in varied}) == 4
