"""The MiniLM text tower: the lean fp32 forward equals transformers' BertModel on the shipped
weights; the default int8 forward stays within cosine 0.995 of it and is deterministic."""
from __future__ import annotations

import numpy as np
import pytest

TEXTS = ["warm analog pad", "a fast techno loop with a four on the floor kick at 128 bpm", "x",
         "melancholic lo-fi hip hop piano loop, 84 bpm, D minor, vinyl crackle, soft",
         "punchy 909 kick one-shot", "cinematic orchestral strings swelling, slow, major key, "
         "wide hall reverb, strings, brass, timpani, epic, emotional and very long indeed"]


@pytest.fixture(scope="module")
def exact():
    from aligner.text import MiniLMEncoder
    return MiniLMEncoder(precision="fp32")


@pytest.fixture(scope="module")
def fast(exact):
    """An int8 encoder sharing the fp32 one's weights (building a second MiniLM costs seconds)."""
    import copy

    from aligner.text_fast import Int8Bert, TracedInt8Bert, load_calibration
    enc = copy.copy(exact)
    enc.precision = "int8"
    enc.forward = TracedInt8Bert(Int8Bert(exact.lean, load_calibration(exact.lean)))  # as shipped
    return enc


def test_lean_bert_matches_transformers(exact):
    import torch
    enc = exact
    texts = TEXTS[:3]
    tok = enc.tokenizer(texts, padding=True, truncation=True, max_length=32, return_tensors="pt")
    with torch.inference_mode():
        ref = enc.model(**tok).last_hidden_state
        lean = enc.lean(tok["input_ids"], tok["attention_mask"])
    m = tok["attention_mask"].bool()
    assert (ref[m] - lean[m]).abs().max().item() < 1e-4
    # a batch with padding gives each text the vector it gets alone
    alone = np.concatenate([enc.encode([t]) for t in texts])
    np.testing.assert_allclose(enc.encode(texts), alone, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(alone, axis=1), 1.0, atol=1e-5)


def test_int8_forward_is_close_to_fp32(exact, fast):
    ref, got = exact.encode(TEXTS), fast.encode(TEXTS)
    assert got.dtype == np.float32 and got.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    cos = (ref * got).sum(1)
    assert cos.min() >= 0.995, cos
    assert not np.array_equal(ref, got)  # it really is the quantised path


def test_int8_forward_is_deterministic_alone_or_batched(fast):
    first = fast.encode(TEXTS)
    assert np.array_equal(first, fast.encode(TEXTS))
    alone = np.concatenate([fast.encode([t]) for t in TEXTS])
    assert np.array_equal(alone, np.concatenate([fast.encode([t]) for t in TEXTS]))
    # int8 texts are encoded one at a time: a batch never changes a vector
    assert np.array_equal(first, alone)


def test_traced_int8_forward_equals_the_eager_one_bit_for_bit(fast):
    import torch
    traced = fast.forward
    assert traced.traced is not None  # this torch compiles it: the trace is what runs
    for text in TEXTS:  # lengths 3 to 40 tokens: the trace is not tied to its example's length
        tok = fast.tokenizer([text], return_tensors="pt")
        with torch.inference_mode():
            assert torch.equal(traced(tok["input_ids"], tok["attention_mask"]),
                               traced.eager(tok["input_ids"], tok["attention_mask"]))
    # a padded batch takes the eager forward, which honours the mask
    tok = fast.tokenizer(TEXTS[:2], padding=True, return_tensors="pt")
    with torch.inference_mode():
        assert torch.equal(traced(tok["input_ids"], tok["attention_mask"]),
                           traced.eager(tok["input_ids"], tok["attention_mask"]))


def test_calibration_of_other_weights_is_refused(exact, tmp_path):
    from aligner.base import AlignerError
    from aligner.text_fast import CALIBRATION_FILE, load_calibration
    with np.load(CALIBRATION_FILE) as data:
        stored = {k: data[k] for k in data.files}
    stored["fingerprint"] = np.array("0123456789abcdef")
    np.savez(tmp_path / "other.npz", **stored)
    with pytest.raises(AlignerError, match="other MiniLM weights"):
        load_calibration(exact.lean, tmp_path / "other.npz")
    with pytest.raises(AlignerError, match="missing"):
        load_calibration(exact.lean, tmp_path / "absent.npz")


def test_unknown_precision_is_an_error():
    from aligner.base import AlignerError
    from aligner.text import MiniLMEncoder
    with pytest.raises(AlignerError, match="precision"):
        MiniLMEncoder(precision="int4")
