"""Waveform thumbnails: the envelope of real audio, drawn and PNG-encoded."""
from __future__ import annotations

import io

import numpy as np
import pytest

from web.waveform import WaveformError, draw, encode_png, envelope, waveform_png
from web_audio import write_audio


def test_envelope_of_a_sine(tmp_path):
    p = write_audio(tmp_path / "s.wav", 1.0, 8_000, 2, ("WAV", "PCM_16"), "sine440")
    lo, hi = envelope(p, 50)
    # stereo is mixed to mono: channels at 1.0 and 0.8 of 0.4 -> peak 0.36
    assert lo.shape == hi.shape == (50,)
    assert np.allclose(hi, 0.36, atol=0.01) and np.allclose(lo, -0.36, atol=0.01)


def test_envelope_follows_loudness_over_time(tmp_path):
    import soundfile as sf
    x = np.concatenate([np.zeros(4000), 0.8 * np.sin(np.arange(4000))]).astype(np.float32)
    p = tmp_path / "half.flac"
    sf.write(p, x, 8000)
    lo, hi = envelope(p, 10)
    assert np.all(hi[:5] < 1e-3) and np.all(hi[5:] > 0.7)


def test_short_and_silent_files(tmp_path):
    p = write_audio(tmp_path / "tiny.wav", 0.001, 8_000, 1, ("WAV", "PCM_16"), "sine440")  # 8 samples
    lo, hi = envelope(p, 100)
    assert np.all(np.isfinite(lo)) and np.all(hi >= lo)
    img = draw(*envelope(write_audio(tmp_path / "z.wav", 0.5, 8000, 1, ("WAV", "PCM_16"), "silence"), 40), 16)
    assert img.shape == (16, 40, 4)
    drawn_rows = np.flatnonzero(img[:, :, 3].any(axis=1))
    assert 1 <= len(drawn_rows) <= 2  # silence is a thin line in the middle


def test_png_decodes_to_the_drawn_pixels(tmp_path):
    from PIL import Image
    rgba = np.zeros((10, 20, 4), np.uint8)
    rgba[3:7, 5:15] = (10, 20, 30, 255)
    im = Image.open(io.BytesIO(encode_png(rgba)))
    assert im.size == (20, 10) and im.mode == "RGBA"
    assert np.array_equal(np.asarray(im), rgba)
    p = write_audio(tmp_path / "n.ogg", 0.5, 22_050, 1, ("OGG", "VORBIS"), "noise")
    im = Image.open(io.BytesIO(waveform_png(p, 64, 24)))
    assert im.size == (64, 24) and np.asarray(im)[:, :, 3].any()


def test_undecodable_file(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    with pytest.raises(WaveformError) as e:
        envelope(bad, 10)
    assert e.value.path == str(bad) and "cannot decode" in e.value.reason
