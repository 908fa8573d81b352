"""Text-only retraining (`cratedig aligner train --text-only --init W`) on a tiny corpus of real
renders: the audio tower comes out bit-identical, retrieval of the training clips improves,
resume continues from the epoch checkpoint, and the augmentations keep captions true."""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from tiny_corpus import write_tiny_corpus

from aligner.family_captions import all_family_captions, family_caption_sets
from aligner.text_augment import fresh_captions, phrase_variant, phrase_variants
from cli.aligner_cmd import _corpus_captions


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_tiny_corpus(tmp_path_factory.mktemp("textonly"), 24, seed=5, duration_s=1.0,
                             split_of=lambda i: "val" if i % 6 == 5 else "train")


@pytest.fixture(scope="module")
def init_weights(tmp_path_factory):
    """A random-init builtin weights file (the audio tower to keep)."""
    import torch

    from aligner.model import JointModel
    from aligner.train import export_weights
    torch.manual_seed(1)
    model = JointModel().eval()
    return export_weights(model, tmp_path_factory.mktemp("init") / "init.pt", None, {})


def _train_recall(weights, root) -> float:
    """R@1 of every training clip's captions over the training clips (frozen-tower vectors)."""
    from aligner.builtin import BuiltinAligner, read_weights
    from aligner.dataset import FeatureCache, read_dataset
    from aligner.text_train import AudioBank, audio_state_hash
    from aligner.train import recall_at
    train = [c for c in read_dataset(root) if c.split == "train"]
    cache = FeatureCache(root)
    bank = AudioBank(cache.dir, weights, audio_state_hash(read_weights(weights)["audio"]))
    bank.build(train, cache)
    audio = bank.get([c.file for c in train])
    caps = [t for c in train for t in c.captions]
    owner = np.array([i for i, c in enumerate(train) for _ in c.captions])
    text = BuiltinAligner(weights).embed_text(caps, cache=False)
    rel = owner[:, None] == np.arange(len(train))[None, :]
    return recall_at(text @ audio.T, rel)["R@1"]


def test_text_only_keeps_audio_tower_and_improves_retrieval(corpus, init_weights, tmp_path):
    import torch

    from aligner.text_train import checkpoint_path
    from cli.main import cli
    out = tmp_path / "text.pt"
    args = ["--home", str(tmp_path / "home"), "aligner", "train", str(corpus), "--text-only",
            "--init", str(init_weights), "--out", str(out), "--batch-size", "8", "--lr", "3e-3",
            "--extra-captions", "2", "--query-variants", "1", "--sent-noise", "0.3",
            "--family-caption-p", "0", "--workers", "1", "--json"]
    res = CliRunner().invoke(cli, args + ["--epochs", "3"])
    assert res.exit_code == 0, res.output
    assert "text-only training on 20 clips" in res.stderr and "val R@1" in res.stderr
    ck = torch.load(checkpoint_path(corpus / ".cratedig-cache", out), weights_only=False)
    assert ck["state"]["epoch"] == 3

    res = CliRunner().invoke(cli, args + ["--epochs", "30", "--resume"])
    assert res.exit_code == 0, res.output
    assert "resumed at epoch 3" in res.stderr
    assert json.loads(res.stdout.strip().splitlines()[-1])["epochs"] == 30

    before = torch.load(init_weights, weights_only=True)
    after = torch.load(out, weights_only=True)
    assert before["audio"].keys() == after["audio"].keys()
    for k, v in before["audio"].items():  # bit-identical, buffers (BatchNorm stats) included
        assert torch.equal(v, after["audio"][k]), k
    assert any(not torch.equal(v, after["text"][k]) for k, v in before["text"].items())
    assert after["meta"]["text_only"]["epochs"] == 30
    r_before, r_after = _train_recall(init_weights, corpus), _train_recall(out, corpus)
    assert r_after > r_before + 0.2, (r_before, r_after)


def test_text_only_needs_init(corpus, tmp_path):
    from cli.main import cli
    res = CliRunner().invoke(cli, ["--home", str(tmp_path / "home"), "aligner", "train",
                                   str(corpus), "--text-only"])
    assert res.exit_code != 0 and "--init" in res.output


def test_caption_augmentations_stay_true():
    from generator.sampling import random_plan
    rng = np.random.default_rng(0)
    plan = random_plan(rng, kind="loop", duration_s=4.0).to_dict()
    fresh = fresh_captions(plan, 5, np.random.default_rng(1), [], _corpus_captions)
    again = fresh_captions(plan, 5, np.random.default_rng(1), fresh[:2], _corpus_captions)
    assert len(fresh) == 5 and not set(fresh[:2]) & set(again)
    assert fresh_captions({"kind": "nonsense-kind"}, 3, rng, [], _corpus_captions) == []
    assert fresh_captions(plan, 3, rng, [], None) == []

    cap = "dark, 121 bpm, acid line, F minor"
    for seed in range(20):
        v = phrase_variant(cap, np.random.default_rng(seed))
        if v is not None:
            assert v != cap and set(v.split(", ")) <= set(cap.split(", "))
    assert phrase_variant("kick, dry", rng) is None
    assert all(v not in [cap] for v in phrase_variants([cap], 3, np.random.default_rng(2)))

    sets = family_caption_sets()
    assert set(sets) == set(all_family_captions())
    assert sets["woodwinds and bassline"] == {"woodwind", "bass"}
    assert sets["keys"] == {"keys"}
