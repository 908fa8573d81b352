"""Training on a tiny captioned folder (real audio files, real caches, real model), resume from
the epoch checkpoint, export, and `cratedig aligner eval --json` on the result."""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from aligner.augment import augment, time_stretch
from aligner.calibration import choose_threshold, matched_unmatched, plot_calibration
from aligner.dataset import DatasetError, read_dataset
from aligner.train import (CHECKPOINT_NAME, Trainer, TrainOptions, contrastive_loss, positives,
                           recall_at)


def test_training_never_reads_reserved_wordings(tiny_dataset):
    clips = read_dataset(tiny_dataset)
    assert all(c.reserved == [] for c in clips)
    assert any(c.reserved for c in read_dataset(tiny_dataset, reserved=True))


def test_bad_dataset_folder(tmp_path):
    with pytest.raises(DatasetError, match="captions.jsonl"):
        read_dataset(tmp_path)
    (tmp_path / "captions.jsonl").write_text('{"file": "x.wav", "captions": []}\n')
    with pytest.raises(DatasetError, match="non-empty 'captions'"):
        read_dataset(tmp_path)


def test_train_resume_export_and_eval(tiny_dataset, tmp_path):
    import torch

    from cli.main import cli
    out = tmp_path / "w.pt"
    cache = tmp_path / "cache"
    lines = []
    opts = TrainOptions(epochs=1, batch_size=8, warmup_steps=1, workers=1, seed=3)
    s1 = Trainer(tiny_dataset, out, cache, opts, progress=lines.append).run()
    assert s1.epochs == 1 and s1.steps == 2 and out.is_file()
    assert any("loss" in line and "samples/s" in line and "ETA" in line for line in lines)
    assert any("validation: R@1" in line for line in lines)
    ck = torch.load(cache / CHECKPOINT_NAME, map_location="cpu", weights_only=False)
    assert ck["state"]["step"] == 2 and "optimizer" in ck
    opts2 = TrainOptions(epochs=2, batch_size=8, warmup_steps=1, workers=1, seed=3)
    lines.clear()
    s2 = Trainer(tiny_dataset, out, cache, opts2, progress=lines.append).run(resume=True)
    assert any("resumed at epoch 1, step 2" in line for line in lines)
    assert s2.epochs == 2 and s2.steps == 4
    assert out.stat().st_size < 30 * 2**20

    png = tmp_path / "cal.png"
    res = CliRunner().invoke(cli, ["--aligner", f"builtin:{out}", "--home", str(tmp_path / "home"),
                                   "aligner", "eval", str(tiny_dataset), "--split", "test,val",
                                   "--json", "--png", str(png)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout.strip().splitlines()[-1])
    for key in ("text_to_audio", "audio_to_text", "zero_shot", "pool", "miss_threshold"):
        assert key in data
    assert set(data["text_to_audio"]) == set(data["audio_to_text"]) == {"R@1", "R@5", "R@10", "mAP@10"}
    assert set(data["zero_shot"]) == {"style", "family", "tempo_class", "mode", "oneshot_kind"}
    assert data["pool"] == 8 and data["wordings"] == "reserved"
    assert png.is_file() and png.stat().st_size > 1000


def test_recall_and_multi_positive_loss():
    import torch
    sim = np.array([[0.9, 0.1, 0.2], [0.3, 0.2, 0.8], [0.1, 0.5, 0.4]])
    rel = np.eye(3, dtype=bool)
    r = recall_at(sim, rel)
    assert r["R@1"] == pytest.approx(1 / 3) and r["R@5"] == 1.0
    assert r["mAP@10"] == pytest.approx((1 + 1 / 3 + 1 / 2) / 3)
    pos = positives(["kick", "kick", "pad"], [None, None, None])
    assert pos.tolist() == [[True, True, False], [True, True, False], [False, False, True]]
    # two identical "kick" clips, perfectly aligned with their identical captions: under
    # multi-positive targets that is the optimum (KL to the target = 0, nothing pushes them
    # apart); with one positive per row it is log 2 away from it for both rows
    u, w = torch.nn.functional.normalize(torch.randn(2, 8, generator=torch.Generator().manual_seed(0)), dim=-1)
    x = torch.stack([u, u, w])
    scale = torch.tensor(np.log(100.0))
    entropy = 2 / 3 * np.log(2)  # of the multi-positive target rows [.5, .5, 0], [.5, .5, 0], [0, 0, 1]
    assert float(contrastive_loss(x, x, scale, pos)) - entropy == pytest.approx(0, abs=1e-3)
    eye = float(contrastive_loss(x, x, scale, torch.eye(3, dtype=torch.bool)))
    assert eye - 0.0 == pytest.approx(entropy, abs=1e-3)  # excess over its own target entropy 0


def test_calibration_threshold_separates():
    rng = np.random.default_rng(0)
    matched = rng.normal(0.6, 0.05, 500).astype(np.float32)
    unmatched = rng.normal(0.3, 0.05, 500).astype(np.float32)
    t = choose_threshold(matched, unmatched)
    assert 0.4 < t < 0.5
    sim = np.array([[0.9, 0.2, 0.5], [0.1, 0.7, 0.8], [0.3, 0.2, 0.6]])
    m, u = matched_unmatched(sim, np.eye(3, dtype=bool))
    # matched: the top score of a pool holding the answer; unmatched: top over the others
    assert m.tolist() == pytest.approx([0.9, 0.8, 0.6]) and u.tolist() == pytest.approx([0.5, 0.8, 0.3])
    unrelated = np.array([[0, 1, 0], [1, 0, 0], [1, 1, 0]], dtype=bool)
    _, u = matched_unmatched(sim, np.eye(3, dtype=bool), unrelated)
    assert u.tolist() == pytest.approx([0.2, 0.1, 0.3])


def test_calibration_png(tmp_path):
    p = plot_calibration(np.array([0.5, 0.6, 0.7]), np.array([0.1, 0.2, 0.3]), 0.4, tmp_path / "c.png")
    assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_augment_keeps_shape_and_tempo_bounds():
    rng = np.random.default_rng(0)
    x = rng.normal(-8, 2, size=(76, 400)).astype(np.float32)
    for _ in range(20):
        y = augment(x, rng, one_shot=False, max_frames=300, other=x[:, :100])
        assert y.shape[0] == 76 and 288 <= y.shape[1] <= 313 and np.isfinite(y).all()
    assert time_stretch(x, 1.04).shape[1] == round(400 / 1.04)
    # one-shots are cropped from their start, as a file is embedded
    y = augment(x, np.random.default_rng(1), one_shot=True, max_frames=100)
    assert y.shape[1] in range(96, 105)


def test_retune_moves_the_spectrum_and_room_adds_a_tail():
    from aligner.augment import retune, room
    from aligner.features import N_MELS
    from aligner.train import unpitched
    # a hit with all its energy in band 30, then silence
    x = np.full((76, 200), -16.0, dtype=np.float32)
    x[30, :10] = 0.0
    ups, downs = 0, 0
    for seed in range(20):
        y = retune(x, np.random.default_rng(seed))
        peak = int(np.argmax(y[:N_MELS, :3].mean(1)))
        assert abs(peak - 30) <= 3 and np.isfinite(y).all()
        ups += peak > 30
        downs += peak < 30
        assert abs(y.shape[1] - 200) <= 200 * (2 ** (2.5 * 1.5 / 12) - 1) + 2  # shorter when higher
    assert ups and downs
    r = room(x, np.random.default_rng(0))
    assert r.shape == x.shape
    assert (r[30, 10:40] > x[30, 10:40] + 1).all()  # the hit now rings on after it stops
    assert np.allclose(r[30, :10], x[30, :10], atol=0.3)  # under the direct sound
    assert unpitched({"kind": "one-shot", "oneshot": "kick"})
    assert unpitched({"kind": "one-shot", "oneshot": "sfx:speech"})
    assert not unpitched({"kind": "one-shot", "oneshot": "note"}) and not unpitched({})


def test_warm_start_and_extra_folder(tiny_dataset, tmp_path):
    """`--init W` starts from W's towers (a near-zero learning rate leaves them as they were);
    `--also DIR` adds DIR's train split, under absolute names that cannot collide with DATASET's
    identical relative file names; DIR's val/test clips are not trained on."""
    import shutil

    import torch

    from cli.main import cli
    base = tmp_path / "base.pt"
    Trainer(tiny_dataset, base, tmp_path / "c0",
            TrainOptions(epochs=1, batch_size=8, warmup_steps=1, workers=1, seed=3)).run()
    other = shutil.copytree(tiny_dataset, tmp_path / "other", ignore=shutil.ignore_patterns(".cratedig-cache"))
    n_train = sum(c.split == "train" for c in read_dataset(tiny_dataset))
    out = tmp_path / "warm.pt"
    res = CliRunner().invoke(cli, ["--home", str(tmp_path / "home"), "aligner", "train",
                                   str(tiny_dataset), "--also", str(other), "--init", str(base),
                                   "--epochs", "1", "--batch-size", "8", "--lr", "1e-12",
                                   "--workers", "1", "--cache", str(tmp_path / "c1"),
                                   "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    assert "warm start from" in res.output
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    assert summary["train_clips"] == 2 * n_train
    a, b = (torch.load(p, map_location="cpu", weights_only=True) for p in (base, out))
    assert b["meta"]["init"] == "base.pt" and b["meta"]["extra_datasets"] == ["other"]
    for k, v in a["audio"].items():
        if v.is_floating_point() and "running" not in k:  # BatchNorm statistics keep updating
            assert torch.allclose(v, b["audio"][k], atol=1e-6), k
    bad = CliRunner().invoke(cli, ["--home", str(tmp_path / "home"), "aligner", "train",
                                   str(tiny_dataset), "--init", str(tiny_dataset / "captions.jsonl"),
                                   "--epochs", "1", "--workers", "1", "--cache", str(tmp_path / "c2")])
    assert bad.exit_code == 1 and "not a builtin weights file" in bad.output
    text_only = CliRunner().invoke(cli, ["--home", str(tmp_path / "home"), "aligner", "train",
                                         str(tiny_dataset), "--text-only", "--init", str(base),
                                         "--also", str(other)])
    assert text_only.exit_code == 2 and "--also is for full training" in text_only.output
    assert "features:" not in bad.output  # refused before any cache work
