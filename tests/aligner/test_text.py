"""The lean MiniLM forward equals transformers' BertModel on the shipped weights."""
from __future__ import annotations

import numpy as np


def test_lean_bert_matches_transformers():
    import torch

    from aligner.text import MiniLMEncoder
    enc = MiniLMEncoder()
    texts = ["warm analog pad", "a fast techno loop with a four on the floor kick at 128 bpm", "x"]
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
