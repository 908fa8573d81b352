"""Published-CLAP adapters, tested on tiny random-weight checkpoints of the same architectures
(HTSAT + RoBERTa, fused and unfused) written here in both formats: a Hugging Face folder and a
LAION-style .pt made by the inverse key mapping. Sockets are blocked throughout."""
from __future__ import annotations

import json
import socket
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from aligner.audio import to_mono_resampled
from aligner.base import AlignerError, l2_normalise
from aligner.clap_common import SAMPLE_RATE, clap_feature_extractor, load_clap
from aligner.clap_laion import LaionCheckpointError, hf_to_laion_state_dict

CAPTIONS = ["a warm analog pad with slow attack", "punchy kick drum loop at 120 bpm",
            "bright piano melody in C major", "sad cello in a minor key"]


@pytest.fixture(scope="module", autouse=True)
def no_network():
    """Every checkpoint in this module is built and loaded with sockets refusing to connect."""
    def refuse(self, address, *a, **k):
        raise AssertionError(f"network access attempted: {address}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket.socket, "connect_ex", refuse)
        yield


def tiny_config(fused: bool):
    from transformers import ClapConfig
    # RoBERTa's real vocabulary size (the tokenizer check demands it); everything else tiny.
    return ClapConfig(
        text_config=dict(vocab_size=50265, hidden_size=32, num_hidden_layers=1, num_attention_heads=1,
                         intermediate_size=64, layer_norm_eps=1e-5),
        audio_config=dict(patch_embeds_hidden_size=8, depths=[1, 1], num_attention_heads=[1, 2],
                          hidden_size=16, enable_fusion=fused, fusion_type="aff_2d" if fused else None),
        projection_dim=16)


def write_tokenizer(folder: Path, full: bool = True) -> None:
    """A byte-level BPE trained on a few captions with RoBERTa's special-token ids; `full` pads
    the vocabulary to RoBERTa's 50,265 entries (the extra entries are simply never produced)."""
    from tokenizers import ByteLevelBPETokenizer
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(CAPTIONS * 3, vocab_size=400, min_frequency=1,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>"])
    folder.mkdir(parents=True, exist_ok=True)
    bpe.save_model(str(folder))
    if full:
        vocab = json.loads((folder / "vocab.json").read_text())
        for i in range(len(vocab), 50264):
            vocab[f"\u0120filler{i}"] = i
        vocab["<mask>"] = 50264
        (folder / "vocab.json").write_text(json.dumps(vocab))


def build_model(fused: bool, seed: int):
    import torch
    from transformers import ClapModel
    torch.manual_seed(seed)
    model = ClapModel(tiny_config(fused)).eval()
    with torch.no_grad():  # random BN statistics, so a wrong mapping of them would show
        bn = model.audio_model.audio_encoder.batch_norm
        bn.running_mean.normal_(0, 5)
        bn.running_var.uniform_(20, 60)
    return model


def write_laion_pt(model, path: Path, extra: dict | None = None) -> None:
    """A checkpoint laid out like LAION's: DDP `module.` prefix, epoch/optimizer beside the
    weights, a numpy metric, and the tensors the embedding path drops."""
    import torch
    sd = hf_to_laion_state_dict(model.state_dict())
    sd["text_branch.embeddings.position_ids"] = torch.arange(514)[None]
    sd["audio_branch.spectrogram_extractor.stft.conv_real.weight"] = torch.randn(513, 1, 1024)
    sd["audio_branch.logmel_extractor.melW"] = torch.randn(513, 64)
    sd["audio_branch.tscam_conv.weight"] = torch.randn(527, 16, 2, 3)
    sd["audio_branch.head.weight"] = torch.randn(527, 527)
    sd["text_transform.sequential.0.weight"] = torch.randn(16, 16)
    sd["audio_branch.layers.0.blocks.0.attn_mask"] = torch.zeros(64, 64, 64)
    sd.update(extra or {})
    torch.save({"epoch": 45, "state_dict": {"module." + k: v for k, v in sd.items()},
                "best_mAP": np.float64(0.46)}, path)


@pytest.fixture(scope="module")
def ckpts(tmp_path_factory):
    root = tmp_path_factory.mktemp("clap")
    out = {}
    for fused in (False, True):
        model = build_model(fused, seed=3 + fused)
        hf = root / f"hf_{'fused' if fused else 'unfused'}"
        model.save_pretrained(hf)
        write_tokenizer(hf)
        clap_feature_extractor().save_pretrained(hf)
        pt_dir = root / f"pt_{'fused' if fused else 'unfused'}"
        pt_dir.mkdir()
        write_laion_pt(model, pt_dir / "630k-audioset-best.pt")
        write_tokenizer(pt_dir / "roberta-base")
        out[fused] = (hf, pt_dir / "630k-audioset-best.pt")
    out["root"] = root
    return out


@pytest.fixture(scope="module")
def hf_aligner(ckpts):
    return load_clap(ckpts[False][0], "cpu")


def sine(freq, seconds, sr, channels=1):
    t = np.arange(int(seconds * sr)) / sr
    x = 0.3 * np.sin(2 * np.pi * freq * t) + 0.1 * np.sin(2 * np.pi * 3.1 * freq * t)
    return np.repeat(x[:, None], channels, axis=1).astype(np.float32) if channels > 1 else x.astype(np.float32)


def test_sockets_are_blocked_here():
    with pytest.raises(AssertionError, match="network access attempted"):
        socket.create_connection(("127.0.0.1", 9), timeout=1)


def test_hf_folder_shapes_norms_and_determinism(hf_aligner):
    a = hf_aligner
    assert a.dim == 16 and a.sample_rate == SAMPLE_RATE == 48_000 and a.id.startswith("clap-")
    t = a.embed_text(CAPTIONS)
    assert t.shape == (4, 16) and t.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(t, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(t, a.embed_text(CAPTIONS))
    # a text's vector does not depend on its batch neighbours
    np.testing.assert_array_equal(a.embed_text([CAPTIONS[2]])[0], t[2])
    assert not np.allclose(t[0], t[1])
    w = a.embed_windows([sine(440, 2.0, SAMPLE_RATE), sine(220, 10.0, SAMPLE_RATE)])
    assert w.shape == (2, 16) and w.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(w, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(w, a.embed_windows([sine(440, 2.0, SAMPLE_RATE), sine(220, 10.0, SAMPLE_RATE)]))
    assert not np.allclose(w[0], w[1])


def test_other_rates_and_stereo_are_resampled_to_48k(hf_aligner):
    a = hf_aligner
    native = a.embed_audio([sine(440, 3.0, 48_000)], 48_000)[0]

    def dist(v):
        return 1.0 - float(v @ native)
    # random weights put every sound close together; measure against genuinely different sounds:
    # another pitch, and the 16 kHz clip fed as if it were 48 kHz (a 3x lower, shorter sound)
    other = min(dist(a.embed_audio([sine(880, 3.0, 48_000)], 48_000)[0]),
                dist(a.embed_windows([sine(440, 3.0, 16_000)])[0]))
    assert other > 1e-4
    for sr in (16_000, 44_100):
        v = a.embed_audio([sine(440, 3.0, sr, channels=2)], sr)[0]
        assert dist(v) < other / 10, sr


def test_long_input_is_windowed_deterministically(hf_aligner):
    a = hf_aligner
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((int(23 * 44_100), 2)) * 0.1).astype(np.float32)
    x[: 5 * 44_100] *= 4  # make windows differ
    e1 = a.embed_audio_windows(x, 44_100)
    e2 = a.embed_audio_windows(x, 44_100)
    np.testing.assert_array_equal(e1.starts, [0.0, 5.0, 10.0, 13.0])
    np.testing.assert_array_equal(e1.ends, [10.0, 15.0, 20.0, 23.0])
    assert e1.windows.shape == (4, 16)
    np.testing.assert_array_equal(e1.windows, e2.windows)
    np.testing.assert_allclose(e1.pooled, l2_normalise(e1.windows.mean(axis=0)), atol=1e-6)
    x48 = to_mono_resampled(x, 44_100, SAMPLE_RATE)
    np.testing.assert_allclose(a.embed_windows([x48[13 * SAMPLE_RATE:]])[0], e1.windows[3], atol=1e-5)
    np.testing.assert_allclose(a.embed_audio([x], 44_100)[0], e1.pooled, atol=1e-6)


def test_short_empty_and_overlong_windows(hf_aligner):
    a = hf_aligner
    v = a.embed_audio([sine(1000, 0.05, 22_050)], 22_050)
    assert v.shape == (1, 16) and np.isfinite(v).all()
    with pytest.raises(AlignerError, match="empty"):
        a.embed_windows([np.zeros(0, np.float32)])
    with pytest.raises(AlignerError, match="longer than one"):
        a.embed_windows([np.zeros(10 * SAMPLE_RATE + 1, np.float32)])
    assert a.embed_windows([]).shape == (0, 16)


@pytest.mark.parametrize("fused", [False, True])
def test_laion_pt_maps_onto_the_same_model(ckpts, fused):
    hf, pt = ckpts[fused]
    a_hf = load_clap(hf, "cpu")
    a_pt = load_clap(pt, "cpu")
    assert type(a_pt).__name__ == "LaionClapAligner" and type(a_hf).__name__ == "HFClapAligner"
    assert a_pt.fused is fused and a_pt.dim == 16
    assert a_pt.id.startswith("clap-") and a_pt.id != a_hf.id
    assert load_clap(pt, "cpu").id == a_pt.id
    cfg = a_pt.model.config.audio_config
    assert list(cfg.depths) == [1, 1] and list(cfg.num_attention_heads) == [1, 2]
    np.testing.assert_allclose(a_pt.embed_text(CAPTIONS), a_hf.embed_text(CAPTIONS), atol=1e-5)
    clips = [sine(330, 4.0, SAMPLE_RATE), sine(90, 10.0, SAMPLE_RATE)]
    w = a_pt.embed_windows(clips)
    np.testing.assert_allclose(w, a_hf.embed_windows(clips), atol=1e-5)
    np.testing.assert_array_equal(w, a_pt.embed_windows(clips))  # fusion branch never random
    np.testing.assert_allclose(np.linalg.norm(w, axis=1), 1.0, atol=1e-5)


def test_front_end_matches_clap_feature_extractor(ckpts):
    rng = np.random.default_rng(5)
    clips = [sine(440, 1.3, SAMPLE_RATE), (rng.standard_normal(10 * SAMPLE_RATE) * 0.2).astype(np.float32),
             sine(60, 0.05, SAMPLE_RATE)]
    for fused in (False, True):
        a = load_clap(ckpts[fused][1])
        ours, is_longer = a.prepare_windows(clips)
        ref = a.feature_extractor([c.astype(np.float64) for c in clips], sampling_rate=SAMPLE_RATE,
                                  truncation="fusion" if fused else "rand_trunc", padding="repeatpad",
                                  return_tensors="np")["input_features"]
        assert tuple(ours.shape) == ((3, 4, 1001, 64) if fused else (3, 1, 1001, 64)) == ref.shape
        # the extractor keeps its STFT in complex64; ours is float64 throughout
        np.testing.assert_allclose(ours.numpy(), ref, atol=1e-4, rtol=0)
        assert not is_longer.any()


def test_tiny_tokenizer_vocabulary_is_refused(ckpts, tmp_path):
    import shutil
    hf = tmp_path / "hf"
    shutil.copytree(ckpts[False][0], hf)
    for f in ("vocab.json", "merges.txt"):
        (hf / f).unlink()
    write_tokenizer(hf, full=False)
    with pytest.raises(AlignerError, match="vocabulary has .* entries"):
        load_clap(hf, "cpu")
    # a .pt with a placeholder tokenizer beside it
    pt = tmp_path / "ckpt.pt"
    shutil.copy(ckpts[False][1], pt)
    write_tokenizer(tmp_path / "roberta-base", full=False)
    with pytest.raises(AlignerError, match="vocabulary"):
        load_clap(pt, "cpu")


def test_missing_files_are_named(ckpts, tmp_path):
    import shutil
    with pytest.raises(AlignerError, match="no such file"):
        load_clap(tmp_path / "nope", "cpu")
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(AlignerError, match="not a CLAP checkpoint"):
        load_clap(tmp_path / "notes.txt", "cpu")
    hf = tmp_path / "hf"
    shutil.copytree(ckpts[False][0], hf)
    (hf / "model.safetensors").unlink()
    (hf / "preprocessor_config.json").unlink()
    with pytest.raises(AlignerError, match="model weights .*preprocessor_config.json"):
        load_clap(hf, "cpu")
    (hf / "config.json").unlink()
    with pytest.raises(AlignerError, match="config.json"):
        load_clap(hf, "cpu")
    lone = tmp_path / "lone" / "music_audioset_epoch_15_esc_90.14.pt"
    lone.parent.mkdir()
    shutil.copy(ckpts[False][1], lone)
    with pytest.raises(AlignerError, match="roberta-base"):
        load_clap(lone, "cpu")
    # an explicit tokenizer folder fixes it
    a = load_clap(lone, "cpu", tokenizer_dir=ckpts[False][1].parent / "roberta-base")
    assert a.dim == 16


def test_bad_pt_files_are_refused(ckpts, tmp_path):
    import torch
    (tmp_path / "roberta-base").mkdir()
    shutil_tok = ckpts[False][1].parent / "roberta-base"
    for f in shutil_tok.iterdir():
        (tmp_path / "roberta-base" / f.name).write_bytes(f.read_bytes())
    junk = tmp_path / "junk.pt"
    junk.write_bytes(np.random.default_rng(1).bytes(4096))
    with pytest.raises(LaionCheckpointError, match="not a torch checkpoint|cannot read"):
        load_clap(junk, "cpu")
    odd = tmp_path / "odd.pt"
    write_laion_pt(build_model(False, 0), odd, extra={"visual.conv1.weight": torch.zeros(3)})
    with pytest.raises(LaionCheckpointError, match="visual.conv1.weight"):
        load_clap(odd, "cpu")
    evil = tmp_path / "evil.pt"
    torch.save({"state_dict": {"x": torch.zeros(1)}, "note": Fraction(1, 3)}, evil)
    with pytest.raises(LaionCheckpointError, match="refusing to unpickle.*Fraction"):
        load_clap(evil, "cpu")


def test_clap_timing_reports_speeds_on_the_given_clips():
    from aligner.clap_bench import clap_timing
    clips = [(sine(440, 12.0, 44_100, channels=2), 44_100), (sine(220, 2.0, 16_000), 16_000)]
    seen = []
    res = clap_timing(clips, repeats=1, text_runs=2, config=tiny_config(False), progress=seen.append)
    assert res["clips"] == 2 and res["windows"] == 3  # 12 s -> [0,10) and [2,12); 2 s -> one
    assert res["audio_seconds"] == pytest.approx(14.0, abs=1e-3)
    for k in ("audio_x_realtime", "frontend_x_realtime", "encoder_x_realtime", "text_latency_ms",
              "audio_x_realtime_cpu", "encoder_x_realtime_cpu", "text_cpu_ms"):
        assert np.isfinite(res[k]) and res[k] > 0, k
    assert res["text_params"] > 50265 * 32 and len(seen) == 4
    with pytest.raises(ValueError):
        clap_timing([], config=tiny_config(False))


def test_hf_weights_that_do_not_fit_the_config_are_refused(ckpts, tmp_path):
    import shutil
    hf = tmp_path / "hf"
    shutil.copytree(ckpts[False][0], hf)
    cfg = json.loads((hf / "config.json").read_text())
    cfg["audio_config"]["depths"] = [2, 1]  # one Swin block more than the weights hold
    (hf / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(AlignerError, match="missing or mismatched"):
        load_clap(hf, "cpu")


def test_half_precision_hf_checkpoint_runs_in_float32(ckpts, tmp_path):
    import torch
    half = tmp_path / "half"
    build_model(False, seed=3).half().save_pretrained(half)
    for f in ("vocab.json", "merges.txt", "preprocessor_config.json"):
        (half / f).write_bytes((ckpts[False][0] / f).read_bytes())
    a = load_clap(half, "cpu")
    assert next(a.model.parameters()).dtype == torch.float32
    ref = load_clap(ckpts[False][0], "cpu")
    np.testing.assert_allclose(a.embed_text(CAPTIONS[:2]), ref.embed_text(CAPTIONS[:2]), atol=2e-2)
