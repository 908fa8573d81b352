"""load_aligner dispatch and caching; the MiniLM tokenizer vocabulary check."""
from __future__ import annotations

import pytest

from aligner import load_aligner
from aligner.base import AlignerError
from catalog.settings import Settings


def _weights(tmp_path):
    from aligner.model import JointModel
    from aligner.train import export_weights
    return export_weights(JointModel().eval(), tmp_path / "w.pt", None, {})


def test_builtin_path_is_loaded_and_cached(tmp_path):
    w = _weights(tmp_path)
    s = Settings(home=tmp_path, aligner=f"builtin:{w}", device="cpu")
    a = load_aligner(s)
    assert a.id.startswith("builtin-") and a.miss_threshold is None
    assert load_aligner(s) is a


@pytest.mark.parametrize("spec,match", [("builtin:/no/such/weights.pt", "not found"),
                                        ("clap:/no/such/checkpoint", "not found"),
                                        ("clap:", "needs a path"),
                                        ("word2vec", "unknown aligner")])
def test_bad_specs_are_clear_errors(tmp_path, spec, match):
    with pytest.raises(AlignerError, match=match):
        load_aligner(Settings(home=tmp_path, aligner=spec, device="cpu"))


def test_tokenizer_with_wrong_vocabulary_is_refused(tmp_path):
    from transformers import BertTokenizerFast

    from aligner.text import check_vocab, minilm_dir
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "warm", "pad"]) + "\n")
    tiny = BertTokenizerFast(vocab_file=str(vocab))
    with pytest.raises(AlignerError, match="tokens, expected 30522"):
        check_vocab(tiny, "tiny")
    real = BertTokenizerFast.from_pretrained(str(minilm_dir()), local_files_only=True)
    check_vocab(real, "real")  # the shipped one passes


def test_shipped_weights_load_with_calibration(tmp_path):
    """The committed default weights: loadable, calibrated, small enough to ship."""
    from aligner.builtin import DEFAULT_WEIGHTS
    assert DEFAULT_WEIGHTS.stat().st_size < 30 * 2**20
    a = load_aligner(Settings(home=tmp_path, aligner="builtin", device="cpu"))
    assert a.id.startswith("builtin-") and len(a.id) == len("builtin-") + 10
    assert a.miss_threshold is not None and 0.0 < a.miss_threshold < 1.0
    assert a.meta["train_clips"] > 0
