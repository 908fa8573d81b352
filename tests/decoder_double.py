"""A small real PlanDecoder for tests: vocabulary from random plans, MLP trained for a few epochs
on seeded random embeddings of any dimension (so it fits the test aligners). Its choices mean
nothing musically; the wiring, sampling, determinism and persistence it exercises are real."""
from __future__ import annotations

import numpy as np


def tiny_decoder(dim: int, n: int = 240, seed: int = 0, epochs: int = 3, aligner_id: str = "test"):
    from aligner.base import l2_normalise
    from generator.decoder import PlanDecoder, PlanVocab
    from generator.decoder_train import train_mlp
    from generator.sampling import random_plan
    rng = np.random.default_rng(seed)
    plans = [random_plan(rng).to_dict() for _ in range(n)]
    vocab = PlanVocab.build(plans)
    x = l2_normalise(rng.standard_normal((n, dim)).astype(np.float32))
    params = train_mlp(x, [vocab.encode(p) for p in plans], vocab, hidden=64, epochs=epochs, seed=seed)
    return PlanDecoder(vocab, params, {"aligner_id": aligner_id, "clips_train": n})
