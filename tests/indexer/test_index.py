"""run_index / ingest_files / reindex end to end: real files, real database, real FAISS, the
projection test aligner (a real Aligner)."""
from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from sqlalchemy import select

from aligner.base import AlignerMismatchError
from catalog.db import open_catalog
from catalog.models import Failure, File, Segment
from audio_files import BAD_AUDIO, GOOD_AUDIO, TAGGED, TAGS, write_audio
from helpers import assert_store_matches_catalogue, catalogue_state, snapshot
from indexer import IndexPathError, ingest_files, reindex, run_index

N_GOOD = len(GOOD_AUDIO) + 1  # + the tagged one-shot


def files_by_name(settings) -> dict[str, File]:
    catalog = open_catalog(settings)
    try:
        with catalog.session() as s:
            return {os.path.basename(f.path): f for f in s.scalars(select(File))}
    finally:
        catalog.close()


def test_first_index_then_incremental_rerun(settings, audio_dir, bad_dir, test_aligner):
    bad_root, expected_kinds = bad_dir
    before = {**snapshot(audio_dir), **snapshot(bad_root)}
    s1 = run_index(settings, [audio_dir, bad_root], aligner=test_aligner)
    assert s1.indexed == N_GOOD and s1.unchanged == 0
    assert {f.path: f.kind for f in s1.failed} == expected_kinds
    assert all(f.reason for f in s1.failed)
    assert s1.headline() == f"indexed {N_GOOD}, unchanged 0, failed {len(BAD_AUDIO)}"
    js = s1.to_json()
    assert js["indexed"] == N_GOOD and js["failed_count"] == len(BAD_AUDIO)
    assert js["audio_seconds"] == pytest.approx(sum(v[0] for v in GOOD_AUDIO.values()) + 0.5, abs=0.2)

    files = files_by_name(settings)
    assert set(files) == {os.path.basename(n) for n in GOOD_AUDIO} | {os.path.basename(TAGGED)}
    long = files["clip_12s.flac"]
    assert (long.format, long.sample_rate, long.channels) == ("flac", 16_000, 1)
    assert long.duration == pytest.approx(12.0)
    stereo = files["a220_stereo.flac"]
    assert (stereo.channels, stereo.sample_rate) == (2, 48_000)
    assert files["white.ogg"].subtype == "VORBIS" and files["a660.opus"].subtype == "OPUS"
    assert files["a330.mp3"].format == "mp3" and files["pink_stereo.aiff"].format == "aiff"
    tagged = files["kick_tagged.flac"]
    assert {k: getattr(tagged, k) for k in TAGS} == TAGS
    assert files["a440_mono.wav"].title is None
    assert all(f.source == "catalogue" and f.aligner_id == test_aligner.id for f in files.values())

    catalog = open_catalog(settings)
    with catalog.session() as s:
        segs = {}
        for seg in s.scalars(select(Segment)):
            segs.setdefault(seg.file_id, []).append(seg)
        failures = {f.path: f.kind for f in s.scalars(select(Failure))}
    catalog.close()
    # 12 s: windows [0,10) and [2,12) (last aligned to the end) + the file-level vector
    long_segs = sorted(segs[long.id], key=lambda g: (g.is_file_level, g.start))
    assert [(g.start, g.end, g.is_file_level) for g in long_segs] == [
        (0.0, 10.0, False), (2.0, 12.0, False), (0.0, 12.0, True)]
    pooled = long_segs[0].array + long_segs[1].array
    assert np.allclose(long_segs[2].array, pooled / np.linalg.norm(pooled), atol=1e-5)
    # one-shots: one segment, the file-level one
    assert all(len(v) == 1 and v[0].is_file_level for k, v in segs.items() if k != long.id)
    assert failures == expected_kinds
    assert_store_matches_catalogue(settings, test_aligner)

    # incremental: nothing changed, nothing embedded
    test_aligner.calls.clear()
    s2 = run_index(settings, [audio_dir, bad_root], aligner=test_aligner)
    assert (s2.indexed, s2.unchanged, s2.segments) == (0, N_GOOD, 0)
    assert test_aligner.calls == []
    assert len(s2.failed) == len(BAD_AUDIO)
    assert {**snapshot(audio_dir), **snapshot(bad_root)} == before  # the user's files are never modified


def test_changed_file_is_reembedded_in_place(settings, audio_dir, test_aligner):
    run_index(settings, [audio_dir], aligner=test_aligner)
    target = audio_dir / "sines/a440_mono.wav"
    old = files_by_name(settings)["a440_mono.wav"]
    old_segs = {sid for sid, fid, _ in catalogue_state(settings)["segments"] if fid == old.id}
    write_audio(target, 3.0, 44_100, 1, ("WAV", "PCM_16"), "noise")
    os.utime(target, (old.mtime + 10, old.mtime + 10))
    s = run_index(settings, [audio_dir], aligner=test_aligner)
    assert (s.indexed, s.unchanged) == (1, N_GOOD - 1)
    new = files_by_name(settings)["a440_mono.wav"]
    assert new.id == old.id and new.duration == pytest.approx(3.0)
    new_segs = {sid for sid, fid, _ in catalogue_state(settings)["segments"] if fid == new.id}
    assert new_segs and not (new_segs & old_segs)
    ids = assert_store_matches_catalogue(settings, test_aligner)
    assert not set(ids.tolist()) & old_segs


def test_prune_drops_only_files_gone_from_disk(settings, audio_dir, tmp_path, test_aligner):
    other = tmp_path / "other"
    write_audio(other / "keep.wav", 1.0, 16_000, 1, ("WAV", "PCM_16"), "noise")
    run_index(settings, [audio_dir, other], aligner=test_aligner)
    (audio_dir / "noise/white.ogg").unlink()
    s = run_index(settings, [audio_dir], aligner=test_aligner)
    assert s.pruned == 0 and "white.ogg" in files_by_name(settings)  # kept without --prune
    s = run_index(settings, [audio_dir], aligner=test_aligner, prune=True)
    assert (s.pruned, s.indexed, s.unchanged) == (1, 0, N_GOOD - 1)
    names = files_by_name(settings)
    assert "white.ogg" not in names and "keep.wav" in names  # other roots are left alone
    assert_store_matches_catalogue(settings, test_aligner)


def test_fixed_and_broken_files_move_between_failures_and_catalogue(settings, audio_dir, bad_dir,
                                                                    test_aligner):
    bad_root, _ = bad_dir
    run_index(settings, [audio_dir, bad_root], aligner=test_aligner)
    fixed = bad_root / "bad/text_file.wav"
    write_audio(fixed, 1.0, 16_000, 1, ("WAV", "PCM_16"), "sine440")
    broken = audio_dir / "sines/a440_mono.wav"
    broken.write_bytes(b"now garbage" * 100)
    s = run_index(settings, [audio_dir, bad_root], aligner=test_aligner)
    assert s.indexed == 1
    assert {os.path.basename(f.path): f.kind for f in s.failed}["a440_mono.wav"] == "not audio"
    names = files_by_name(settings)
    assert "text_file.wav" in names and "a440_mono.wav" not in names  # stale vectors removed
    catalog = open_catalog(settings)
    with catalog.session() as ses:
        failures = {os.path.basename(f.path) for f in ses.scalars(select(Failure))}
    catalog.close()
    assert "text_file.wav" not in failures and "a440_mono.wav" in failures
    assert_store_matches_catalogue(settings, test_aligner)


def test_aligner_mismatch_is_a_clear_error_until_reindex(settings, audio_dir):
    from aligner_double import ProjectionAligner
    first, second = ProjectionAligner(seed=0), ProjectionAligner(seed=1, dim=24)
    run_index(settings, [audio_dir], aligner=first)
    with pytest.raises(AlignerMismatchError) as e:
        run_index(settings, [audio_dir], aligner=second)
    assert first.id in str(e.value) and second.id in str(e.value)
    assert "cratedig reindex" in str(e.value)

    s = reindex(settings, aligner=second)
    assert s.indexed == N_GOOD and s.store_rebuilt
    assert all(f.aligner_id == second.id for f in files_by_name(settings).values())
    assert_store_matches_catalogue(settings, second)
    second.calls.clear()
    s = run_index(settings, [audio_dir], aligner=second)
    assert (s.indexed, s.unchanged) == (0, N_GOOD) and second.calls == []
    from catalog.vectors import VectorStore
    with pytest.raises(AlignerMismatchError):
        VectorStore.open(settings.index_dir, first.dim, first.id)


def test_reindex_rebuilds_store_from_catalogue_without_decoding(settings, audio_dir, test_aligner):
    run_index(settings, [audio_dir], aligner=test_aligner)
    ids_before = assert_store_matches_catalogue(settings, test_aligner)
    shutil.rmtree(settings.index_dir)
    # the audio is gone too: a rebuild must come from the catalogue's stored vectors
    moved = audio_dir.parent / "moved"
    audio_dir.rename(moved)
    test_aligner.calls.clear()
    s = reindex(settings, aligner=test_aligner)
    assert s.store_rebuilt and s.unchanged == N_GOOD and test_aligner.calls == []
    assert np.array_equal(assert_store_matches_catalogue(settings, test_aligner), ids_before)


def test_stale_store_is_repaired_at_start(settings, audio_dir, test_aligner):
    """A store left behind the catalogue (as after a crash between commit and save) is rebuilt."""
    from catalog.vectors import VectorStore
    run_index(settings, [audio_dir], aligner=test_aligner)
    store = VectorStore.open(settings.index_dir, test_aligner.dim, test_aligner.id)
    victim = int(store.ids()[0])
    store.remove([victim])
    store.save()
    s = run_index(settings, [audio_dir], aligner=test_aligner)
    assert s.store_rebuilt and s.indexed == 0
    assert victim in assert_store_matches_catalogue(settings, test_aligner)


def test_ingest_generated_clip_with_its_tags(settings, tmp_path, test_aligner):
    from catalog.store_sync import open_store
    clip = write_audio(settings.generated_dir / "gen_1.flac", 14.0, 44_100, 2,
                       ("FLAC", "PCM_16"), "sweep")
    catalog = open_catalog(settings)
    try:
        store = open_store(settings, catalog, test_aligner.id, test_aligner.dim)
        s = ingest_files(settings, catalog, store, test_aligner, [clip], source="generated",
                         extra_tags={"prompt": "warm pad", "seed": 7, "model": "decoder-x",
                                     "ignored": 1})
    finally:
        catalog.close()
    assert s.indexed == 1 and s.failed == []
    f = files_by_name(settings)["gen_1.flac"]
    assert s.files == {str(clip): f.id}
    assert (f.source, f.prompt, f.seed, f.model) == ("generated", "warm pad", 7, "decoder-x")
    assert f.duration == pytest.approx(14.0) and f.channels == 2
    assert_store_matches_catalogue(settings, test_aligner)


def test_missing_path_is_an_error(settings, tmp_path, test_aligner):
    with pytest.raises(IndexPathError) as e:
        run_index(settings, [tmp_path / "nope"], aligner=test_aligner)
    assert "nope" in str(e.value)


def test_progress_reports_files_audio_and_eta(sqlite_settings, audio_dir, test_aligner):
    seen = []
    run_index(sqlite_settings, [audio_dir], aligner=test_aligner, progress=seen.append)
    assert [p.files_done for p in seen] == list(range(1, N_GOOD + 1))
    last = seen[-1]
    assert last.files_total == N_GOOD and last.bytes_done == last.bytes_total
    assert last.audio_seconds == pytest.approx(sum(v[0] for v in GOOD_AUDIO.values()) + 0.5, abs=0.2)
    assert last.eta_seconds == 0 and last.x_realtime > 0


def test_worker_featurizer_path_gives_the_same_vectors(tmp_path, audio_dir):
    """Features computed in the decode workers + embed_features == embed_windows in-process."""
    from aligner_double import FeaturizedProjectionAligner, ProjectionAligner
    from catalog.settings import Settings
    from indexer.run import worker_featurizer
    plain, feat = ProjectionAligner(), FeaturizedProjectionAligner()
    assert worker_featurizer(plain) is None
    assert worker_featurizer(feat) == "aligner_double:band_features"
    vectors = []
    for name, aligner in (("plain", plain), ("feat", feat)):
        st = Settings(home=tmp_path / name, workers=2, batch_size=4)
        s = run_index(st, [audio_dir], aligner=aligner)
        assert s.indexed == N_GOOD
        catalog = open_catalog(st)
        with catalog.session() as ses:
            vectors.append({(f.path, g.start, g.is_file_level): g.array
                            for f in ses.scalars(select(File)) for g in f.segments})
        catalog.close()
    assert vectors[0].keys() == vectors[1].keys()
    for k, v in vectors[0].items():
        assert np.allclose(v, vectors[1][k], atol=1e-5), k
