"""The MiniLM tokenizer and weights load without transformers and give exactly what
transformers gives: the same ids and masks, the same tensors."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

TEXTS = ["warm analog pad", "", "x", "Ünïcode café crème, déjà vu!", "808 kick @ 90bpm; 3/4 - C#m",
         "日本の音楽 and emoji 🎹🥁", "a " * 60 + "very long query that must be truncated",
         "punchy 909 kick one-shot", "  leading and trailing spaces  ", "ALL CAPS HIP-HOP LOOP"]


@pytest.fixture(scope="module")
def both():
    from transformers import AutoTokenizer

    from aligner.text import minilm_dir
    from aligner.wordpiece import load_tokenizer
    d = minilm_dir()
    return load_tokenizer(d), AutoTokenizer.from_pretrained(str(d), local_files_only=True)


@pytest.mark.parametrize("truncation,max_length", [(True, 32), (True, 8), (False, None)])
def test_ids_and_masks_equal_transformers(both, truncation, max_length):
    ours, ref = both
    for text in TEXTS:
        a = ours([text], truncation=truncation, max_length=max_length, return_tensors="pt")
        b = ref([text], truncation=truncation, max_length=max_length, return_tensors="pt")
        assert a["input_ids"].tolist() == b["input_ids"].tolist(), text
        assert a["attention_mask"].tolist() == b["attention_mask"].tolist(), text
    a = ours(TEXTS, padding=True, truncation=True, max_length=32, return_tensors="pt")
    b = ref(TEXTS, padding=True, truncation=True, max_length=32, return_tensors="pt")
    assert a["input_ids"].tolist() == b["input_ids"].tolist()
    assert a["attention_mask"].tolist() == b["attention_mask"].tolist()
    plain = ours("warm analog pad", add_special_tokens=False)["input_ids"]
    assert plain == ref("warm analog pad", add_special_tokens=False)["input_ids"]
    assert len(ours) == len(ref) and ours.unk_token_id == ref.unk_token_id


def test_weights_equal_what_transformers_loads():
    import torch

    from aligner.text import MiniLMEncoder
    enc = MiniLMEncoder(precision="fp32")
    from aligner.wordpiece import load_weights
    sd, config = load_weights(enc.model_dir)
    ref = enc.model.state_dict()  # transformers' BertModel, loaded only here
    for k, v in ref.items():
        if k in sd:
            assert torch.equal(sd[k], v), k
    assert config.num_hidden_layers == enc.model.config.num_hidden_layers


def test_a_text_query_does_not_import_transformers():
    """Importing transformers' BERT stack cost ~3.5 s of every CLI search."""
    root = Path(__file__).resolve().parents[2]
    code = ("import sys; from catalog.settings import Settings; from aligner import load_aligner; "
            "a = load_aligner(Settings(aligner='builtin', device='cpu')); a.embed_text(['warm pad']); "
            "print('transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False", out.stdout


def test_missing_or_broken_model_files_are_clear_errors(tmp_path):
    from aligner.base import AlignerError
    from aligner.text import minilm_dir
    from aligner.wordpiece import load_tokenizer, load_weights
    (tmp_path / "config.json").write_text((minilm_dir() / "config.json").read_text())
    with pytest.raises(AlignerError, match="no MiniLM weights"):
        load_weights(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(AlignerError, match="cannot read the MiniLM weights"):
        load_weights(tmp_path)
    (tmp_path / "tokenizer.json").write_text("{broken")
    with pytest.raises(AlignerError, match="cannot load the MiniLM tokenizer"):
        load_tokenizer(tmp_path)
