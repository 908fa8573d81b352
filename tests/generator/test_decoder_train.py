"""`train_decoder` end to end on a tiny captioned corpus of real renders (projection aligner):
weights with a plan scorer, metrics, and a vocabulary read from every training plan."""
import json

import pytest

from aligner_double import ProjectionAligner
from tiny_corpus import write_tiny_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """70 clips of 0.4 s (every 5th held out), captions.jsonl in index order like the corpus."""
    return write_tiny_corpus(tmp_path_factory.mktemp("corpus"), 70, seed=8, duration_s=0.4,
                             split_of=lambda i: "test" if i % 5 == 4 else "train")


def test_train_writes_a_decoder_with_a_scorer(corpus, tmp_path):
    from catalog.settings import Settings
    from generator.decoder import PlanDecoder
    from generator.decoder_train import TrainError, train_decoder
    aligner = ProjectionAligner(seed=2, dim=16)
    settings = Settings(home=tmp_path / "home")
    out = tmp_path / "dec.pt"
    res = train_decoder(settings, corpus, out, limit=65, epochs=2, aligner=aligner)
    meta = res["meta"]
    # 65 rows embedded (52 train), but the vocabulary saw all 56 training plans of the folder
    assert meta["clips_train"] == 52 and meta["vocab_plans"] == 56 and meta["aligner_id"] == aligner.id
    sc = res["metrics"]["scorer"]
    assert sc["clips"] == 13 and sc["captions"] == 13 and -1.0 <= sc["cosine"] <= 1.0
    # the plan scorer (an MLP) is fit on every training clip of the folder, not only the 65 rows
    assert sc["kind"] == "mlp2" and sc["clips_train"] == 56
    dec = PlanDecoder.load(out)
    assert dec.id == res["decoder_id"] and dec.scorer is not None and dec.scorer.dim == 16
    assert json.loads(out.with_suffix(".json").read_text())["decoder_id"] == dec.id
    with pytest.raises(TrainError, match="needs >= 50 train"):
        train_decoder(settings, corpus, tmp_path / "small.pt", limit=30, epochs=1, aligner=aligner)
