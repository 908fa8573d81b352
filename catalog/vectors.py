"""The FAISS vector store: segment vectors keyed by segment id, searched by cosine similarity.

Vectors are L2-normalised, so inner product = cosine. The catalogue (SQL) holds every vector as
bytes; this index is derived data that `rebuild()` recreates from it at any time.

Two kinds of index, chosen by size:

* ``exact`` (``IndexIDMap2(IndexFlatIP)``) up to ``exact_limit`` vectors (default 50,000,
  ``Settings.exact_search_limit``): brute force, recall 1.0, ~dim*4 bytes per vector. At 50k x 256
  a query costs about 1 ms on one core, which is where approximate search starts paying off.
* ``ivf-sq8`` (``IndexIVFScalarQuantizer``, 8 bits per dimension, inner product) above it:
  ``nlist`` = the power of two nearest 4*sqrt(n) (4096 at 1M), k-means trained on a sample of
  40*nlist vectors. ``nprobe`` is *calibrated at build time*: the store searches a few hundred
  probe queries (stored vectors displaced along the data's own directions, cosine ~0.5-0.6 to
  their source, like text-to-audio matches) with growing nprobe and keeps the smallest one
  reaching recall@10 >= 0.97 against exact search over the same vectors (a margin over the 0.95
  target); nprobe and the measured recall go into the manifest. Recall is limited by routing
  (which lists are probed), not by the 8-bit codes, so the calibration is on nprobe. Memory is dim + ~8 bytes per vector: 264 MB at 1M x 256, 520 MB at
  1M x 512 (flat would be 1 GB / 2 GB). Measured numbers and the alternatives that lost
  (IVF-PQ, HNSW-SQ8, refine-flat) are in BENCHMARKS.md, "Search".

The exact index converts itself to IVF when an ``add`` crosses ``exact_limit`` (losslessly: the
flat index holds the raw vectors). An IVF index keeps its trained centroids as it grows; lists
just get longer, so recall holds and search slows down gently. ``needs_rebuild`` turns true
when the index has grown past 4x the size it was trained at; the indexer then rebuilds from the
catalogue. Deletions use ``remove_ids`` on both kinds (IVF scans its lists: O(n), fine per batch).

Saves are atomic: the index goes to a new generation file (write, fsync, rename), then the JSON
manifest, the commit point, is replaced the same way, then the directory is fsynced; the previous
generation is kept one round so a concurrent reader never loses the file it is about to open.
One writer at a time (the indexer); readers call ``refresh()`` to pick up new generations.

GPU: when faiss has ``StandardGpuResources`` and ``get_num_gpus() > 0`` (the ``gpu`` extra), searches
run on a GPU copy made with ``index_cpu_to_gpu``; mutations go to the CPU index, which is what is
saved, and invalidate the copy.
"""
from __future__ import annotations

import json
import math
import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from aligner.base import AlignerMismatchError

EXACT = "exact"
IVF_SQ8 = "ivf-sq8"
MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 1
#: recall@10 the build-time nprobe calibration aims for (target 0.95, plus margin)
CALIBRATION_RECALL = 0.97
NPROBE_STEPS = (8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
#: an IVF index this many times larger than its training set asks for a rebuild
GROWTH_REBUILD_FACTOR = 4
ADD_CHUNK = 65_536

Progress = Callable[[int, int], None]


class VectorStoreError(RuntimeError):
    """The vector store cannot do what was asked (bad shapes, duplicate ids, unreadable files)."""

    def __init__(self, what: str, reason: str):
        super().__init__(f"{what}: {reason}")
        self.what = what
        self.reason = reason


@dataclass
class StoreManifest:
    """What `manifest.json` holds; `index_file` is relative to the index directory."""
    aligner_id: str
    dim: int
    count: int
    kind: str
    built_at: str
    saved_at: str = ""
    index_file: str = ""
    generation: int = 0
    nlist: int = 0
    nprobe: int = 0
    trained_count: int = 0
    calibrated_recall: float | None = None
    format_version: int = FORMAT_VERSION


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def read_manifest(index_dir: Path | str) -> StoreManifest | None:
    """The manifest of the index in `index_dir`, or None when there is none yet."""
    path = Path(index_dir) / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise VectorStoreError(str(path), f"unreadable manifest ({e}); run `cratedig reindex`") from e
    known = set(StoreManifest.__dataclass_fields__)
    try:
        return StoreManifest(**{k: v for k, v in data.items() if k in known})
    except TypeError as e:
        raise VectorStoreError(str(path), f"incomplete manifest ({e}); run `cratedig reindex`") from e


def _stat_key(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def ivf_nlist(n: int) -> int:
    """Power of two nearest 4*sqrt(n), within [64, 65536]."""
    target = 4.0 * math.sqrt(max(n, 1))
    return int(min(65536, max(64, 2 ** round(math.log2(target)))))


class VectorStore:
    """Segment vectors in FAISS. Thread-safe (one lock); one writing process at a time."""

    def __init__(self, index_dir: Path, dim: int, aligner_id: str, *, exact_limit: int = 50_000,
                 use_gpu: str | bool = "auto"):
        """Use `VectorStore.open` or `VectorStore.create`."""
        if dim <= 0:
            raise VectorStoreError("dim", f"must be positive, got {dim}")
        self.index_dir = Path(index_dir)
        self.dim = int(dim)
        self.aligner_id = aligner_id
        self.exact_limit = int(exact_limit)
        self.use_gpu = use_gpu
        self._lock = threading.RLock()
        self._index = None
        self._ids = np.empty(0, dtype=np.int64)  # sorted; duplicate checks and ids()
        self._gpu_res = None
        self._gpu_index = None
        self._dirty = False
        self.manifest = StoreManifest(aligner_id, self.dim, 0, EXACT, _now())
        self._loaded_generation = 0
        self._version = 0
        self._manifest_stat = None  # (inode, mtime_ns, size) of the manifest last read
        self._set_index(self._new_exact(), EXACT)

    # ---- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, index_dir: Path | str, dim: int, aligner_id: str, *, exact_limit: int = 50_000,
             use_gpu: str | bool = "auto") -> "VectorStore":
        """Open the index in `index_dir` (an empty exact index if there is none yet).

        Raises `AlignerMismatchError` when it was built by another aligner or at another dim."""
        store = cls(Path(index_dir), dim, aligner_id, exact_limit=exact_limit, use_gpu=use_gpu)
        store._load(check=True)
        return store

    @classmethod
    def create(cls, index_dir: Path | str, dim: int, aligner_id: str, *, exact_limit: int = 50_000,
               use_gpu: str | bool = "auto") -> "VectorStore":
        """A new empty store that will replace whatever `index_dir` holds on its first save
        (`cratedig reindex`, or the indexer after an aligner change)."""
        store = cls(Path(index_dir), dim, aligner_id, exact_limit=exact_limit, use_gpu=use_gpu)
        old = read_manifest(store.index_dir)
        store._loaded_generation = old.generation if old else 0
        store._dirty = True
        return store

    def _load(self, check: bool) -> None:
        import faiss
        for attempt in range(3):
            stat = _stat_key(self.index_dir / MANIFEST_NAME)
            m = read_manifest(self.index_dir)
            if m is None:
                return
            if check and (m.aligner_id != self.aligner_id or int(m.dim) != self.dim):
                raise AlignerMismatchError(
                    str(self.index_dir),
                    f"the index was built by aligner {m.aligner_id} (dim {m.dim}) but the current "
                    f"aligner is {self.aligner_id} (dim {self.dim}); run `cratedig reindex` to "
                    f"rebuild it")
            path = self.index_dir / m.index_file
            try:
                index = faiss.read_index(str(path))
            except RuntimeError as e:
                if not path.exists() and attempt < 2:
                    continue  # a writer replaced the generation between our two reads
                raise VectorStoreError(str(path), f"cannot read the index ({e}); "
                                       f"run `cratedig reindex`") from e
            if index.d != self.dim:
                raise VectorStoreError(str(path), f"index dim {index.d} != manifest dim {self.dim}")
            self.manifest = m
            self._loaded_generation = m.generation
            self._manifest_stat = stat
            self._set_index(index, m.kind)
            if int(m.count) != self.count:
                raise VectorStoreError(str(path), f"holds {self.count} vectors but its manifest says "
                                       f"{m.count}; run `cratedig reindex`")
            if m.kind == IVF_SQ8:
                faiss.extract_index_ivf(self._index).nprobe = int(m.nprobe)
            self._dirty = False
            return

    def refresh(self) -> bool:
        """Reload if another process saved a newer generation (and we have no unsaved changes).
        Returns True when it reloaded. Called before every search: an unchanged manifest costs
        one stat (writers replace it by rename, so a new save changes its inode)."""
        with self._lock:
            if self._dirty:
                return False
            stat = _stat_key(self.index_dir / MANIFEST_NAME)
            if stat is not None and stat == self._manifest_stat:
                return False
            m = read_manifest(self.index_dir)
            if m is None or m.generation == self._loaded_generation:
                self._manifest_stat = stat if m is not None else None
                return False
            self._load(check=True)
            return True

    # ---- properties ------------------------------------------------------------------------
    @property
    def count(self) -> int:
        return int(self._index.ntotal)

    @property
    def kind(self) -> str:
        return self.manifest.kind

    @property
    def dirty(self) -> bool:
        return self._dirty

    @property
    def version(self) -> int:
        """Bumped by every change of this object's content (add, remove, rebuild, reload of a
        newer generation): a searcher's per-file caches are valid while it is unchanged."""
        return self._version

    @property
    def needs_rebuild(self) -> bool:
        """True when an IVF index has outgrown its training (or shrunk back under the exact
        limit); `rebuild` from the catalogue then restores speed and exactness."""
        m = self.manifest
        if m.kind != IVF_SQ8:
            return False
        return (self.count > GROWTH_REBUILD_FACTOR * max(m.trained_count, 1)
                or self.count <= self.exact_limit // 2)

    def ids(self) -> np.ndarray:
        """Every id in the store, sorted: int64[count]."""
        with self._lock:
            return self._ids.copy()

    def __contains__(self, segment_id: int) -> bool:
        i = np.searchsorted(self._ids, segment_id)
        return bool(i < len(self._ids) and self._ids[i] == segment_id)

    def memory_bytes(self) -> int:
        """Size of the serialised index: what it occupies in RAM, give or take a few MB."""
        import faiss
        with self._lock:
            return int(faiss.serialize_index(self._index).nbytes)

    # ---- mutation --------------------------------------------------------------------------
    def add(self, ids, vecs, progress: Progress | None = None) -> None:
        """Add `vecs` float32[n, dim] (L2-normalised) under `ids` int64[n]. The ids must be new:
        remove them first to replace their vectors."""
        ids, vecs = self._check_pairs(ids, vecs)
        if len(ids) == 0:
            return
        with self._lock:
            pos = np.searchsorted(self._ids, ids)
            pos_c = np.minimum(pos, max(len(self._ids) - 1, 0))
            present = (len(self._ids) > 0) & (self._ids[pos_c] == ids) if len(self._ids) else \
                np.zeros(len(ids), bool)
            if present.any():
                raise VectorStoreError("add", f"ids already in the store: {ids[present][:10].tolist()}")
            if self.kind == EXACT and self.count + len(ids) > self.exact_limit:
                all_ids = np.concatenate([self._stored_ids_in_order(), ids])
                all_vecs = np.concatenate([self._exact_vectors(), vecs])
                self._build(all_ids, all_vecs, progress)
                return
            for i in range(0, len(ids), ADD_CHUNK):
                self._index.add_with_ids(vecs[i:i + ADD_CHUNK], ids[i:i + ADD_CHUNK])
                if progress:
                    progress(min(i + ADD_CHUNK, len(ids)), len(ids))
            self._ids = np.sort(np.concatenate([self._ids, ids]))
            self._mutated()

    def remove(self, ids) -> int:
        """Remove vectors by id (unknown ids are ignored). Returns how many were removed."""
        import faiss
        ids = np.ascontiguousarray(np.asarray(ids, dtype=np.int64).ravel())
        if len(ids) == 0:
            return 0
        with self._lock:
            removed = int(self._index.remove_ids(faiss.IDSelectorBatch(len(ids), faiss.swig_ptr(ids))))
            if removed:
                self._ids = self._ids[~np.isin(self._ids, ids)]
                self._mutated()
            return removed

    def rebuild(self, ids, vecs, progress: Progress | None = None) -> None:
        """Replace the whole content with `vecs` float32[n, dim] under `ids` int64[n], choosing
        the index kind by size (the catalogue is the source of truth)."""
        ids, vecs = self._check_pairs(ids, vecs)
        if len(np.unique(ids)) != len(ids):
            raise VectorStoreError("rebuild", "duplicate ids")
        with self._lock:
            self._build(ids, vecs, progress)

    def _build(self, ids: np.ndarray, vecs: np.ndarray, progress: Progress | None) -> None:
        if len(ids) <= self.exact_limit:
            index = self._new_exact()
            index.add_with_ids(vecs, ids)
            self.manifest = StoreManifest(self.aligner_id, self.dim, len(ids), EXACT, _now(),
                                          generation=self.manifest.generation)
            self._set_index(index, EXACT)
        else:
            index, nlist, nprobe, recall = _build_ivf(ids, vecs, progress)
            self.manifest = StoreManifest(self.aligner_id, self.dim, len(ids), IVF_SQ8, _now(),
                                          generation=self.manifest.generation, nlist=nlist,
                                          nprobe=nprobe, trained_count=len(ids),
                                          calibrated_recall=recall)
            self._set_index(index, IVF_SQ8)
        self._mutated()

    # ---- search ----------------------------------------------------------------------------
    def search(self, q, k: int, *, allowed=None, nprobe: int | None = None):
        """Top-`k` by cosine for each query `q` float32[m, dim] -> (scores float32[m, k],
        ids int64[m, k]), best first. Empty slots (fewer than k reachable) have id -1, score -inf.

        `allowed` (int64 ids) restricts the search to those ids; `nprobe` overrides the
        calibrated value for an IVF index (wider = slower, closer to exact)."""
        import faiss
        q = np.ascontiguousarray(np.asarray(q, dtype=np.float32))
        if q.ndim == 1:
            q = q[None, :]
        if q.ndim != 2 or q.shape[1] != self.dim:
            raise VectorStoreError("search", f"queries must be (m, {self.dim}), got {q.shape}")
        if k <= 0:
            raise VectorStoreError("search", f"k must be positive, got {k}")
        with self._lock:
            if self.count == 0:
                return (np.full((len(q), k), -np.inf, np.float32), np.full((len(q), k), -1, np.int64))
            params = None
            if allowed is not None:
                allowed = np.ascontiguousarray(np.asarray(allowed, dtype=np.int64).ravel())
                sel = faiss.IDSelectorBatch(len(allowed), faiss.swig_ptr(allowed))
            else:
                sel = None
            if self.kind == IVF_SQ8:
                npb = int(nprobe or self.manifest.nprobe)
                if sel is not None or nprobe:
                    params = faiss.SearchParametersIVF(sel=sel, nprobe=npb) if sel is not None \
                        else faiss.SearchParametersIVF(nprobe=npb)
            elif sel is not None:
                params = faiss.SearchParameters(sel=sel)
            index = self._search_index() if params is None else self._index
            scores, ids = index.search(q, k, params=params) if params is not None else index.search(q, k)
        scores = scores.astype(np.float32, copy=False)
        scores[ids < 0] = -np.inf
        return scores, ids.astype(np.int64, copy=False)

    # ---- persistence -----------------------------------------------------------------------
    def save(self) -> None:
        """Atomically write the index and then its manifest (the commit point)."""
        import faiss
        with self._lock:
            self.index_dir.mkdir(parents=True, exist_ok=True)
            gen = max(self.manifest.generation, self._loaded_generation) + 1
            name = f"vectors.{gen}.faiss"
            tmp = self.index_dir / (name + ".tmp")
            faiss.write_index(self._index, str(tmp))
            _fsync_path(tmp)
            os.replace(tmp, self.index_dir / name)
            self.manifest.count = self.count
            self.manifest.index_file = name
            self.manifest.generation = gen
            self.manifest.saved_at = _now()
            data = json.dumps(asdict(self.manifest), indent=2).encode()
            _atomic_write_bytes(self.index_dir / MANIFEST_NAME, data)
            _fsync_path(self.index_dir)
            self._manifest_stat = _stat_key(self.index_dir / MANIFEST_NAME)
            self._loaded_generation = gen
            self._dirty = False
            self._drop_old_generations(keep={name, f"vectors.{gen - 1}.faiss"})

    def _drop_old_generations(self, keep: set[str]) -> None:
        for p in self.index_dir.glob("vectors.*.faiss*"):
            if p.name not in keep:
                try:
                    p.unlink()
                except FileNotFoundError:
                    pass

    # ---- internals -------------------------------------------------------------------------
    def _check_pairs(self, ids, vecs) -> tuple[np.ndarray, np.ndarray]:
        ids = np.ascontiguousarray(np.asarray(ids, dtype=np.int64).ravel())
        vecs = np.ascontiguousarray(np.asarray(vecs, dtype=np.float32))
        if vecs.ndim != 2 or vecs.shape[1] != self.dim or len(vecs) != len(ids):
            raise VectorStoreError("vectors", f"expected ({len(ids)}, {self.dim}) float32 for "
                                   f"{len(ids)} ids, got {vecs.shape}")
        if len(ids) and ids.min() < 0:
            raise VectorStoreError("ids", "ids must be non-negative")
        if len(np.unique(ids)) != len(ids):
            raise VectorStoreError("ids", "duplicate ids in one call")
        return ids, vecs

    def _new_exact(self):
        import faiss
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))

    def _set_index(self, index, kind: str) -> None:
        self._version += 1
        self._index = index
        self.manifest.kind = kind
        self._ids = np.sort(self._stored_ids_in_order())
        self._gpu_index = None

    def _mutated(self) -> None:
        self._version += 1
        self._dirty = True
        self._gpu_index = None
        self.manifest.count = self.count

    def _stored_ids_in_order(self) -> np.ndarray:
        """Ids in storage order (for exact: aligned with `_exact_vectors`)."""
        import faiss
        if self.manifest.kind == EXACT or isinstance(self._index, faiss.IndexIDMap2):
            return faiss.vector_to_array(self._index.id_map).astype(np.int64)
        ivf = faiss.extract_index_ivf(self._index)
        inv = ivf.invlists
        parts = []
        for lst in range(ivf.nlist):
            size = inv.list_size(lst)
            if size:
                ptr = inv.get_ids(lst)
                parts.append(faiss.rev_swig_ptr(ptr, size).copy())
                inv.release_ids(lst, ptr)
        return np.concatenate(parts).astype(np.int64) if parts else np.empty(0, np.int64)

    def _exact_vectors(self) -> np.ndarray:
        import faiss
        flat = faiss.downcast_index(self._index.index)
        return faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * self.dim).reshape(
            flat.ntotal, self.dim).copy()

    def _search_index(self):
        if not self._gpu_wanted():
            return self._index
        if self._gpu_index is None:
            import faiss
            if self._gpu_res is None:
                self._gpu_res = faiss.StandardGpuResources()
            self._gpu_index = faiss.index_cpu_to_gpu(self._gpu_res, 0, self._index)
        return self._gpu_index

    def _gpu_wanted(self) -> bool:
        if self.use_gpu in (False, "no", "off", "cpu"):
            return False
        import faiss
        available = hasattr(faiss, "StandardGpuResources") and faiss.get_num_gpus() > 0
        if not available and self.use_gpu is True:
            raise VectorStoreError("use_gpu", "no GPU faiss available (install the `gpu` extra)")
        return available


def _build_ivf(ids: np.ndarray, vecs: np.ndarray, progress: Progress | None):
    """Train, fill and calibrate an IVF-SQ8 index -> (index, nlist, nprobe, recall)."""
    import faiss
    n, dim = vecs.shape
    nlist = ivf_nlist(n)
    rng = np.random.default_rng(0)  # deterministic builds
    train_n = min(n, 40 * nlist)
    sample = vecs[np.sort(rng.choice(n, train_n, replace=False))] if train_n < n else vecs
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                          faiss.METRIC_INNER_PRODUCT, True)
    index.cp.niter = 12  # k-means converges enough for routing; 25 doubles the build time
    index.cp.seed = 1234
    index.train(sample)
    index.own_fields = True
    quantizer.this.disown()
    for i in range(0, n, ADD_CHUNK):
        index.add_with_ids(vecs[i:i + ADD_CHUNK], ids[i:i + ADD_CHUNK])
        if progress:
            progress(min(i + ADD_CHUNK, n), n)
    nprobe, recall = _calibrate_nprobe(index, ids, vecs, rng)
    index.nprobe = nprobe
    return index, nlist, nprobe, recall


def _calibrate_nprobe(index, ids: np.ndarray, vecs: np.ndarray, rng, n_queries: int = 256,
                      k: int = 10):
    """Smallest nprobe whose recall@k against exact search reaches CALIBRATION_RECALL on probe
    queries. Probes are stored vectors pushed along the data's own directions, q = x_a + (x_c -
    x_d), normalised (cosine ~0.5-0.6 to x_a, like text-to-audio matches): displacements inside
    the data manifold are what makes routing hard, unlike isotropic noise, which shifts every
    centroid score alike."""
    import faiss
    n, dim = vecs.shape
    a, c, d = (vecs[rng.integers(0, n, n_queries)] for _ in range(3))
    q = a + (c - d)
    q /= np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
    q = np.ascontiguousarray(q, dtype=np.float32)
    _, rows = faiss.knn(q, vecs, k, metric=faiss.METRIC_INNER_PRODUCT)
    truth = ids[rows]
    recall = 0.0
    for nprobe in NPROBE_STEPS:
        if nprobe > index.nlist:
            break
        index.nprobe = nprobe
        _, got = index.search(q, k)
        hits = sum(len(set(g) & set(t)) for g, t in zip(got, truth))
        recall = hits / (len(q) * k)
        if recall >= CALIBRATION_RECALL:
            return nprobe, round(recall, 4)
    return min(NPROBE_STEPS[-1], index.nlist), round(recall, 4)
