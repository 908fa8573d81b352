"""Decoding: every format and layout to mono at the aligner rate, tags, bad-file kinds, and
the decode workers (spawned, torch-free)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from audio_files import BAD_AUDIO, GOOD_AUDIO, TAGGED, TAGS
from indexer.decode import Decoded, DecodeFailure, decode_file
from indexer.pool import decode_all

ROOT = Path(__file__).resolve().parents[2]


def job(path: Path, sr: int = 16_000):
    st = os.stat(path)
    return (str(path), st.st_size, st.st_mtime, sr)


@pytest.mark.parametrize("name", sorted(GOOD_AUDIO))
def test_every_format_decodes_to_mono_at_the_target_rate(audio_dir, name):
    secs, sr, ch, fmt, _ = GOOD_AUDIO[name]
    d = decode_file(*job(audio_dir / name))
    assert isinstance(d, Decoded), d
    assert (d.sample_rate, d.channels, d.subtype) == (sr, ch, fmt[1])
    assert d.format == name.rsplit(".", 1)[1]
    assert d.duration == pytest.approx(secs, abs=0.01)
    assert d.audio.dtype == np.float32 and d.audio.ndim == 1
    assert len(d.audio) == pytest.approx(secs * 16_000, abs=200)
    assert np.isfinite(d.audio).all() and np.abs(d.audio).max() > 0.05


def test_tags_are_read(audio_dir):
    d = decode_file(*job(audio_dir / TAGGED))
    assert d.tags == TAGS


def test_other_target_rate(audio_dir):
    d = decode_file(*job(audio_dir / "sines/a440_mono.wav", 48_000))
    assert len(d.audio) == 96_000 and d.target_sr == 48_000
    spectrum = np.abs(np.fft.rfft(d.audio))
    assert np.argmax(spectrum) / 2.0 == pytest.approx(440, abs=1)  # 0.5 Hz bins


def test_bad_files_have_their_kind_and_a_reason(bad_dir):
    root, expected = bad_dir
    for path, kind in expected.items():
        r = decode_file(*job(Path(path)))
        assert isinstance(r, DecodeFailure) and r.kind == kind, (path, r)
        assert r.reason and r.path == path


def test_worker_pool_decodes_everything(audio_dir, bad_dir):
    root, expected = bad_dir
    paths = sorted(audio_dir.rglob("*.*"))
    jobs = [job(p) for p in paths if p.suffix != ".txt"] + [job(Path(p)) for p in expected]
    results = list(decode_all(jobs, workers=2))
    assert sorted(r.path for r in results) == sorted(j[0] for j in jobs)
    failed = {r.path: r.kind for r in results if isinstance(r, DecodeFailure)}
    assert failed == expected


def test_workers_can_compute_window_features(audio_dir):
    from aligner.base import window_bounds
    from aligner_double import band_features
    path = audio_dir / "long/clip_12s.flac"
    plain = decode_file(*job(path))
    jobs = [job(path) + ("aligner_double:band_features",)] * 3
    for r in decode_all(jobs, workers=2):
        assert len(r.audio) == 0 and r.n_samples == len(plain.audio) == 192_000
        bounds = window_bounds(r.n_samples, 16_000)
        assert len(r.features) == len(bounds) == 2
        for f, (a, b) in zip(r.features, bounds):
            assert np.allclose(f, band_features(plain.audio[a:b]))


def test_decode_workers_do_not_import_torch(audio_dir):
    code = (
        "import sys, os\n"
        "from indexer.pool import _init_worker\n"
        "from indexer.decode import decode_job\n"
        f"p = {str(audio_dir / 'long/clip_12s.flac')!r}\n"
        "st = os.stat(p)\n"
        "d = decode_job((p, st.st_size, st.st_mtime, 16000))\n"
        "assert len(d.audio) == 192000\n"
        "f = decode_job((p, st.st_size, st.st_mtime, 16000, 'aligner.features:compute_features'))\n"
        "assert len(f.features) == 2 and f.features[0].ndim == 2\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('torch', 'faiss', 'transformers', 'sqlalchemy')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_compressed_length_estimates_are_not_truncation(tmp_path):
    """Real MP3/Ogg files decode slightly short of their header's estimate (seen on intact
    Debian game music: 7,156,614 announced, 7,150,464 decoded); a file cut in half is truncated,
    and PCM containers state their length exactly."""
    import numpy as np
    import soundfile as sf

    from indexer.decode import is_truncated
    # the format names libsndfile really reports (it says "MP3", not "MPEG", for .mp3 files)
    fmts = {}
    for ext in ("mp3", "ogg"):
        sf.write(str(tmp_path / f"x.{ext}"), np.zeros((4410, 2), dtype="float32"), 44100,
                 format=ext.upper())
        fmts[ext] = sf.info(str(tmp_path / f"x.{ext}")).format
    assert not is_truncated(fmts["mp3"], 7_156_614, 7_150_464)
    assert not is_truncated(fmts["ogg"], 2_747_873, 2_747_769)
    assert is_truncated(fmts["mp3"], 7_156_614, 3_000_000)
    assert is_truncated("WAV", 44_100, 44_000)
    assert not is_truncated("WAV", 44_100, 44_100)
