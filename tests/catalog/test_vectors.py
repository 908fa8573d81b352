"""VectorStore against real FAISS: exact and IVF kinds, persistence, mismatch, deletions."""
import json

import numpy as np
import pytest

from aligner.base import AlignerMismatchError
from catalog.vectors import EXACT, IVF_SQ8, VectorStore, VectorStoreError, read_manifest

DIM = 32


def unit(x):
    x = np.asarray(x, dtype=np.float32)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def clustered(n, seed=0, dim=DIM, centers=40):
    rng = np.random.default_rng(seed)
    c = unit(rng.standard_normal((centers, dim)))
    return unit(c[rng.integers(0, centers, n)] + 0.8 * rng.standard_normal((n, dim)) / np.sqrt(dim))


def brute(vecs, ids, q, k):
    s = q @ vecs.T
    order = np.argsort(-s, axis=1)[:, :k]
    return np.take_along_axis(s, order, 1), ids[order]


def test_exact_search_matches_brute_force(tmp_path):
    vecs = clustered(500)
    ids = np.arange(1000, 1500, dtype=np.int64)
    store = VectorStore.open(tmp_path, DIM, "test-aaaa")
    store.add(ids, vecs)
    q = clustered(7, seed=1)
    scores, got = store.search(q, 5)
    want_s, want_i = brute(vecs, ids, q, 5)
    assert store.kind == EXACT and store.count == 500
    np.testing.assert_array_equal(got, want_i)
    np.testing.assert_allclose(scores, want_s, rtol=1e-5, atol=1e-5)


def test_more_k_than_vectors_pads_with_minus_one(tmp_path):
    store = VectorStore.open(tmp_path, DIM, "test-aaaa")
    s0, i0 = store.search(clustered(1), 3)
    assert (i0 == -1).all() and np.isneginf(s0).all()
    store.add([5, 6], clustered(2))
    s, i = store.search(clustered(1, seed=3), 4)
    assert sorted(i[0, :2].tolist()) == [5, 6]
    assert (i[0, 2:] == -1).all() and np.isneginf(s[0, 2:]).all()


def test_bad_shapes_and_duplicates_are_rejected(tmp_path):
    store = VectorStore.open(tmp_path, DIM, "test-aaaa")
    with pytest.raises(VectorStoreError, match="expected"):
        store.add([1, 2], clustered(3))
    with pytest.raises(VectorStoreError, match="expected"):
        store.add([1], np.ones((1, DIM + 1), np.float32))
    store.add([1, 2], clustered(2))
    with pytest.raises(VectorStoreError, match=r"already in the store: \[2\]"):
        store.add([2, 3], clustered(2))
    with pytest.raises(VectorStoreError, match="duplicate"):
        store.add([7, 7], clustered(2))
    with pytest.raises(VectorStoreError, match="queries must be"):
        store.search(np.ones((1, 3), np.float32), 2)
    assert store.count == 2


def test_save_open_round_trip_and_manifest(tmp_path):
    vecs = clustered(50)
    store = VectorStore.open(tmp_path, DIM, "test-aaaa")
    store.add(np.arange(50), vecs)
    store.save()
    m = json.loads((tmp_path / "manifest.json").read_text())
    assert m["aligner_id"] == "test-aaaa" and m["dim"] == DIM and m["count"] == 50
    assert m["kind"] == EXACT and m["built_at"] and (tmp_path / m["index_file"]).is_file()
    again = VectorStore.open(tmp_path, DIM, "test-aaaa")
    assert again.count == 50 and not again.dirty
    np.testing.assert_array_equal(again.ids(), np.arange(50))
    np.testing.assert_array_equal(again.search(vecs[:3], 1)[1][:, 0], [0, 1, 2])
    # later saves keep only the current and previous generation, and leave no temp files
    for i in range(3):
        again.add([100 + i], clustered(1, seed=i))
        again.save()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["manifest.json", "vectors.3.faiss", "vectors.4.faiss"]


def test_other_aligner_or_dim_is_a_mismatch_error(tmp_path):
    store = VectorStore.open(tmp_path, DIM, "test-aaaa")
    store.add([1], clustered(1))
    store.save()
    with pytest.raises(AlignerMismatchError, match="cratedig reindex") as e:
        VectorStore.open(tmp_path, DIM, "test-bbbb")
    assert "test-aaaa" in str(e.value) and "test-bbbb" in str(e.value)
    with pytest.raises(AlignerMismatchError):
        VectorStore.open(tmp_path, DIM * 2, "test-aaaa")
    # create() starts over and replaces the old index on save
    fresh = VectorStore.create(tmp_path, DIM * 2, "test-bbbb")
    fresh.add([9], unit(np.ones((1, DIM * 2))))
    fresh.save()
    assert read_manifest(tmp_path).aligner_id == "test-bbbb"
    assert VectorStore.open(tmp_path, DIM * 2, "test-bbbb").ids().tolist() == [9]


def test_manifest_count_disagreeing_with_index_is_an_error(tmp_path):
    store = VectorStore.open(tmp_path, DIM, "test-aaaa")
    store.add([1, 2], clustered(2))
    store.save()
    m = json.loads((tmp_path / "manifest.json").read_text())
    m["count"] = 3
    (tmp_path / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(VectorStoreError, match="reindex"):
        VectorStore.open(tmp_path, DIM, "test-aaaa")


def test_remove_and_allowed_subset(tmp_path):
    vecs = clustered(200)
    store = VectorStore.open(tmp_path, DIM, "test-aaaa")
    store.add(np.arange(200), vecs)
    assert store.remove([3, 4, 999]) == 2
    assert 3 not in store and 5 in store and store.count == 198
    _, got = store.search(vecs[3:5], 1)
    assert not np.isin(got, [3, 4]).any()
    allowed = np.arange(100, 110)
    _, got = store.search(vecs[:2], 5, allowed=allowed)
    assert np.isin(got, allowed).all()


def test_crossing_the_exact_limit_builds_a_calibrated_ivf(tmp_path):
    n = 6000
    data = clustered(n + 100, centers=60)
    vecs, held_out = data[:n], data[n:]  # queries from the same distribution, not stored
    ids = np.arange(n, dtype=np.int64) * 3 + 1
    store = VectorStore.open(tmp_path, DIM, "test-aaaa", exact_limit=2000)
    store.add(ids[:1500], vecs[:1500])
    assert store.kind == EXACT
    store.add(ids[1500:], vecs[1500:])
    assert store.kind == IVF_SQ8 and store.count == n
    assert store.manifest.calibrated_recall >= 0.95 and store.manifest.nprobe > 0
    q = held_out
    _, got = store.search(q, 10)
    _, want = brute(vecs, ids, q, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got, want)])
    assert recall >= 0.95
    store.save()
    again = VectorStore.open(tmp_path, DIM, "test-aaaa", exact_limit=2000)
    assert again.kind == IVF_SQ8 and again.manifest.nprobe == store.manifest.nprobe
    np.testing.assert_array_equal(again.ids(), ids)
    np.testing.assert_array_equal(again.search(q, 10)[1], got)
    assert again.remove(ids[:10]) == 10 and again.count == n - 10
    assert not np.isin(again.search(vecs[:10], 10)[1], ids[:10]).any()
    # rebuilding small goes back to exact
    again.rebuild(ids[:100], vecs[:100])
    assert again.kind == EXACT and again.count == 100


def test_refresh_picks_up_another_writer(tmp_path):
    reader = VectorStore.open(tmp_path, DIM, "test-aaaa")
    writer = VectorStore.open(tmp_path, DIM, "test-aaaa")
    writer.add([1, 2, 3], clustered(3))
    writer.save()
    assert reader.count == 0
    assert reader.refresh() and reader.count == 3
    assert not reader.refresh()


def test_gpu_demanded_without_gpu_is_an_error(tmp_path):
    import faiss
    if hasattr(faiss, "StandardGpuResources") and faiss.get_num_gpus() > 0:
        pytest.skip("a GPU is present")
    store = VectorStore.open(tmp_path, DIM, "test-aaaa", use_gpu=True)
    store.add([1], clustered(1))
    with pytest.raises(VectorStoreError, match="GPU"):
        store.search(clustered(1), 1)


def test_version_moves_with_every_content_change(tmp_path):
    reader = VectorStore.open(tmp_path, DIM, "test-aaaa")
    writer = VectorStore.open(tmp_path, DIM, "test-aaaa")
    v0 = writer.version
    writer.add([1, 2], clustered(2))
    v1 = writer.version
    writer.remove([2])
    v2 = writer.version
    writer.rebuild([5, 6], clustered(2, seed=4))
    assert v0 < v1 < v2 < writer.version
    writer.save()
    before = reader.version
    assert reader.refresh()  # the writer saved a newer generation
    assert reader.version > before and reader.count == 2
    again = reader.version
    assert not reader.refresh() and reader.version == again  # unchanged manifest: one stat
