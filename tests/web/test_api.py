"""The JSON API through Flask's test client, over a real indexed catalogue."""
from __future__ import annotations

import threading

import pytest

from web_helpers import file_ids, wait_job
from web_audio import WEB_LIBRARY, write_audio


def test_search_returns_the_cli_objects(client, indexed, web_aligner):
    from search import run_search
    settings, _, _ = indexed
    got = client.get("/api/search", query_string={"q": "punchy kick", "k": 3})
    assert got.status_code == 200
    data = got.get_json()
    cli = run_search(settings, "punchy kick", k=3, aligner=web_aligner, generate=False).to_json()
    assert data["query"] == cli["query"] and data["generated"] is False
    assert data["results"] == cli["results"]  # one serializer for --json and the API
    assert isinstance(data["miss"], bool)
    r = data["results"][0]
    for key in ("id", "path", "start", "end", "score", "source", "duration", "name", "folder"):
        assert key in r


def test_search_post_with_filters_and_segments(client, indexed):
    _, _, library = indexed
    resp = client.post("/api/search", json={"q": "rising sweep", "k": 50, "segments": True,
                                            "filters": {"min_duration": 10}})
    assert resp.status_code == 200
    results = resp.get_json()["results"]
    assert results and {r["name"] for r in results} == {"sweep_22s.flac"}
    assert len(results) > 1  # windows of the 22 s file, each with its own offset
    assert all(0 <= r["start"] < r["end"] <= r["duration"] + 1e-3 for r in results)
    only_flac = client.get("/api/search", query_string={"q": "tone", "k": 10, "format": "flac",
                                                       "folder": str(library / "tones")}).get_json()
    assert [r["name"] for r in only_flac["results"]] == ["a440.flac"]


def test_more_like_this_excludes_the_example(client, app):
    ids = file_ids(app)
    resp = client.get("/api/search", query_string={"like": ids["a440.flac"], "k": 10})
    assert resp.status_code == 200
    data = resp.get_json()
    assert data["like"] == ids["a440.flac"]
    names = [r["name"] for r in data["results"]]
    assert "a440.flac" not in names and len(names) == len(WEB_LIBRARY) - 1
    missing = client.get("/api/search", query_string={"like": 999_999})
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("args, param", [
    ({"q": "x" * 501}, "q"),
    ({"q": ""}, "q"),
    ({"q": "kick", "k": 0}, "k"),
    ({"q": "kick", "k": 101}, "k"),
    ({"q": "kick", "k": "ten"}, "k"),
    ({"q": "kick", "source": "elsewhere"}, "source"),
    ({"q": "kick", "format": "exe"}, "format"),
    ({"q": "kick", "min_duration": "nan"}, "min_duration"),
    ({"q": "kick", "min_duration": 5, "max_duration": 1}, "min_duration"),
    ({"q": "kick", "segments": "maybe"}, "segments"),
    ({"q": "kick", "folder": "/a/../../etc"}, "folder"),
    ({"q": "kick", "generate": "1"}, "generate"),
    ({"q": "kick\x00"}, "q"),
])
def test_search_rejects_bad_input_with_a_clear_400(client, args, param):
    resp = client.get("/api/search", query_string=args)
    assert resp.status_code == 400, resp.get_json()
    err = resp.get_json()["error"]
    assert err["status"] == 400 and err["message"].startswith(param)


def test_post_search_body_must_be_a_json_object(client):
    resp = client.post("/api/search", data="[1, 2]", content_type="application/json")
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "invalid_json"
    resp = client.post("/api/search", json={"q": "kick", "filters": "loud"})
    assert resp.status_code == 400 and "filters" in resp.get_json()["error"]["message"]


def test_file_detail_and_stats(client, app, indexed):
    ids = file_ids(app)
    sweep = client.get(f"/api/files/{ids['sweep_22s.flac']}").get_json()
    assert sweep["duration"] == pytest.approx(22.0, abs=0.01) and sweep["format"] == "flac"
    assert len(sweep["segments"]) >= 3 and sweep["segments"][-1]["end"] == pytest.approx(22.0, abs=0.01)
    assert sweep["audio_url"] == f"/api/files/{sweep['id']}/audio"
    assert client.get("/api/files/424242").status_code == 404
    stats = client.get("/api/stats").get_json()
    assert stats["files"] == len(WEB_LIBRARY) and stats["generated"] == 0
    assert stats["segments"] >= len(WEB_LIBRARY)
    assert stats["formats"] == {"wav": 1, "flac": 3, "ogg": 1}
    assert stats["aligner_id"] == "test-projection-3-32"


def test_index_job_runs_reports_progress_and_failures(fresh_app, tmp_path):
    client = fresh_app.test_client()
    folder = tmp_path / "roots" / "new"
    write_audio(folder / "one.wav", 1.0, 16_000, 1, ("WAV", "PCM_16"), "sine440")
    write_audio(folder / "two.flac", 0.7, 44_100, 2, ("FLAC", "PCM_16"), "noise")
    (folder / "broken.wav").write_text("not audio at all\n" * 20)
    resp = client.post("/api/jobs", json={"paths": [str(folder)]})
    assert resp.status_code == 202, resp.get_json()
    job = resp.get_json()
    assert resp.headers["Location"] == f"/api/jobs/{job['id']}"
    job = wait_job(client, job["id"])
    assert job["state"] == "done", job
    assert job["result"] and job["result"]["indexed"] == 2, job
    assert job["result"]["failed_count"] == 1
    assert job["result"]["failed"][0]["path"].endswith("broken.wav")
    assert job["done"] == job["total"] == 3 and job["audio_seconds"] > 1.0
    listed = client.get("/api/jobs?kind=index").get_json()["jobs"]
    assert listed[0]["id"] == job["id"] and "_owner" not in listed[0]["params"]
    failures = client.get("/api/failures").get_json()["failures"]
    assert [f["path"] for f in failures] == [str(folder / "broken.wav")]
    found = client.get("/api/search", query_string={"q": "one", "k": 5}).get_json()
    assert {r["name"] for r in found["results"]} == {"one.wav", "two.flac"}
    # incremental: a second run has nothing new to do
    again = wait_job(client, client.post("/api/jobs", json={"paths": [str(folder)]}).get_json()["id"])
    assert again["result"]["indexed"] == 0 and again["result"]["unchanged"] == 2


@pytest.mark.parametrize("path, status, code", [
    ("relative/folder", 400, "invalid_parameter"),
    ("{roots}/../../etc", 400, "path_traversal"),
    ("{roots}/%2e%2e/%2e%2e/etc", 400, "path_traversal"),
    ("{roots}/%252e%252e/%252e%252e/etc", 400, "path_traversal"),
    ("{roots}/..%2F..%2Fetc", 400, "path_traversal"),
    ("{roots}\\..\\..\\etc", 400, "path_traversal"),
    ("/etc", 403, "outside_index_roots"),
    ("/", 403, "outside_index_roots"),
    ("{roots}/missing", 404, "not_found"),
    ("{roots}/a%20b", 400, "invalid_parameter"),
])
def test_index_job_path_validation(fresh_app, tmp_path, path, status, code):
    client = fresh_app.test_client()
    resp = client.post("/api/jobs", json={"paths": [path.format(roots=tmp_path / "roots")]})
    assert resp.status_code == status, resp.get_json()
    assert resp.get_json()["error"]["code"] == code


def test_index_job_rejects_symlink_escaping_the_roots(fresh_app, tmp_path):
    (tmp_path / "roots" / "escape").symlink_to("/etc")
    resp = fresh_app.test_client().post("/api/jobs", json={"paths": [str(tmp_path / "roots/escape")]})
    assert resp.status_code == 403


@pytest.mark.parametrize("body", [{}, {"paths": []}, {"paths": 5}, {"paths": ["/x"] * 33},
                                  {"kind": "reindex", "paths": ["/x"]}, {"paths": [7]}])
def test_index_job_bad_bodies(fresh_app, body):
    resp = fresh_app.test_client().post("/api/jobs", json=body)
    assert resp.status_code == 400


def test_jobs_cancel_and_conflict(fresh_app, tmp_path):
    """Cancellation goes through the jobs table: the API marks the job, the running function sees
    it at its next progress report. A second index job is refused while one runs."""
    import threading
    st = fresh_app.extensions["cratedig"]
    client = fresh_app.test_client()
    started = threading.Event()
    reports = []

    def endless(progress):
        started.set()
        for i in range(100_000):  # bounded: about 16 minutes at most
            progress.update(done=i, total=100_000)
            reports.append(i)
            threading.Event().wait(0.01)
        return {"never": True}

    job = st.jobs.start("index", {"paths": ["synthetic"]}, endless, exclusive=True)
    assert started.wait(30)
    (tmp_path / "roots" / "x").mkdir()
    conflict = client.post("/api/jobs", json={"paths": [str(tmp_path / "roots" / "x")]})
    assert conflict.status_code == 409 and conflict.get_json()["error"]["code"] == "job_running"
    resp = client.post(f"/api/jobs/{job['id']}/cancel")
    assert resp.status_code == 200 and resp.get_json()["state"] in ("cancelling", "cancelled")
    assert st.jobs.wait(job["id"], 30)
    final = client.get(f"/api/jobs/{job['id']}").get_json()
    assert final["state"] == "cancelled" and final["finished"] and final["result"] is None
    assert 0 < len(reports) < 100_000
    assert client.post("/api/jobs/999999/cancel").status_code == 404
    assert client.get("/api/jobs/999999").status_code == 404


def test_job_failure_is_recorded(fresh_app):
    st = fresh_app.extensions["cratedig"]

    def broken(progress):
        progress.update(done=1, total=2, force=True)
        raise RuntimeError("disk on fire")

    job = st.jobs.start("index", {}, broken)
    assert st.jobs.wait(job["id"], 30)
    got = fresh_app.test_client().get(f"/api/jobs/{job['id']}").get_json()
    assert got["state"] == "failed" and "disk on fire" in got["message"] and got["done"] == 1


def test_job_of_a_dead_process_is_reported_failed(fresh_app):
    """Another worker process that died mid-job must not leave it 'running' for ever."""
    import json
    import socket
    import subprocess
    import sys

    from catalog.models import Job
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    st = fresh_app.extensions["cratedig"]
    with st.catalog.session() as s:
        job = Job(kind="index", state="running", done=3, total=10,
                  params=json.dumps({"paths": ["/x"], "_owner": {"host": socket.gethostname(),
                                                                 "pid": int(dead.stdout)}}))
        s.add(job)
        s.flush()
        job_id = job.id
    got = fresh_app.test_client().get(f"/api/jobs/{job_id}").get_json()
    assert got["state"] == "failed" and "ended" in got["message"]


def test_generated_clip_deletion(fresh_app, tmp_path):
    """DELETE /api/generated/ID removes a generated clip's rows, vectors and file; catalogue
    files are refused."""
    from catalog.store_sync import open_store
    from indexer import ingest_files
    st = fresh_app.extensions["cratedig"]
    client = fresh_app.test_client()
    lib = tmp_path / "roots" / "lib"
    write_audio(lib / "keep.wav", 1.0, 16_000, 1, ("WAV", "PCM_16"), "sine440")
    assert wait_job(client, client.post("/api/jobs", json={"paths": [str(lib)]}).get_json()["id"])["state"] == "done"
    clip = write_audio(st.settings.generated_dir / "gen-1.flac", 1.0, 44_100, 1, ("FLAC", "PCM_16"), "noise")
    searcher = st.searcher()
    store = open_store(st.settings, st.catalog, searcher.aligner.id, searcher.aligner.dim)
    ingest_files(st.settings, st.catalog, store, searcher.aligner, [str(clip)], source="generated",
                 extra_tags={"prompt": "some noise"})
    ids = file_ids(fresh_app)
    assert client.get("/api/stats").get_json()["generated"] == 1
    refused = client.delete(f"/api/generated/{ids['keep.wav']}")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "not_generated"
    resp = client.delete(f"/api/generated/{ids['gen-1.flac']}")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["deleted"] and not clip.exists()
    assert client.get(f"/api/files/{ids['gen-1.flac']}").status_code == 404
    found = client.get("/api/search", query_string={"q": "noise", "k": 10}).get_json()
    assert [r["name"] for r in found["results"]] == ["keep.wav"], found
    assert client.delete(f"/api/generated/{ids['gen-1.flac']}").status_code == 404
    assert client.get("/api/stats").get_json()["generated"] == 0


def test_search_on_an_empty_catalogue_says_so(fresh_app):
    resp = fresh_app.test_client().get("/api/search?q=kick")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "nothing_indexed"


def test_generate_validation(client):
    for body in ({}, {"prompt": ""}, {"prompt": "x" * 501}, {"prompt": "pad", "duration": 0},
                 {"prompt": "pad", "duration": 301}, {"prompt": "pad", "seed": -1},
                 {"prompt": "pad", "seed": 1.5}, {"prompt": 5}):
        resp = client.post("/api/generate", json=body)
        assert resp.status_code == 400, (body, resp.get_json())


def test_repeated_searches_are_cached_until_the_catalogue_changes(fresh_app, tmp_path):
    client = fresh_app.test_client()
    cache = fresh_app.extensions["cratedig"].response_cache
    lib = tmp_path / "roots" / "lib"
    write_audio(lib / "first.wav", 1.0, 16_000, 1, ("WAV", "PCM_16"), "sine440")
    assert wait_job(client, client.post("/api/jobs", json={"paths": [str(lib)]}).get_json()["id"])["state"] == "done"
    q = {"q": "a tone", "k": 10}
    before = client.get("/api/search", query_string=q).get_json()
    assert client.get("/api/search", query_string=q).get_json() == before
    assert cache.hits == 1
    write_audio(lib / "second.flac", 1.0, 16_000, 1, ("FLAC", "PCM_16"), "noise")
    assert wait_job(client, client.post("/api/jobs", json={"paths": [str(lib)]}).get_json()["id"])["state"] == "done"
    after = client.get("/api/search", query_string=q).get_json()
    assert {r["name"] for r in after["results"]} == {"first.wav", "second.flac"}
    assert {r["name"] for r in before["results"]} == {"first.wav"}


def test_two_workers_share_jobs_and_new_vectors(fresh_app, tmp_path, web_aligner):
    """Two apps over one data home stand for two server workers: a job started on one is seen
    and cancelled on the other, and files one indexes are found by the other's searches."""
    import threading

    from web import create_app
    st_a = fresh_app.extensions["cratedig"]
    other = create_app(st_a.settings, index_roots=st_a.index_roots, aligner=web_aligner)
    a, b = fresh_app.test_client(), other.test_client()
    try:
        lib = tmp_path / "roots" / "lib"
        write_audio(lib / "shared.wav", 1.0, 16_000, 1, ("WAV", "PCM_16"), "sine440")
        job = a.post("/api/jobs", json={"paths": [str(lib)]}).get_json()
        assert wait_job(b, job["id"])["state"] == "done"  # polled on the other worker
        assert [r["name"] for r in b.get("/api/search?q=x").get_json()["results"]] == ["shared.wav"]
        write_audio(lib / "later.flac", 1.0, 16_000, 1, ("FLAC", "PCM_16"), "noise")
        assert wait_job(a, a.post("/api/jobs", json={"paths": [str(lib)]}).get_json()["id"])["state"] == "done"
        names = {r["name"] for r in b.get("/api/search?q=x").get_json()["results"]}
        assert names == {"shared.wav", "later.flac"}  # b's store reloaded a's new generation

        started = threading.Event()

        def slow(progress):
            started.set()
            for i in range(100_000):
                progress.update(done=i)
                threading.Event().wait(0.01)
            return {}
        job = st_a.jobs.start("index", {"paths": ["synthetic"]}, slow, exclusive=True)
        assert started.wait(30)
        assert b.post("/api/jobs", json={"paths": [str(lib)]}).status_code == 409
        assert b.post(f"/api/jobs/{job['id']}/cancel").status_code == 200
        assert st_a.jobs.wait(job["id"], 30)
        assert b.get(f"/api/jobs/{job['id']}").get_json()["state"] == "cancelled"
    finally:
        other.extensions["cratedig"].close()


def test_a_job_finishing_while_it_is_read_stays_done(fresh_app):
    """A reader that saw the job running, then finds its thread gone, must not overwrite the
    job's own final "done" with "failed" (a race seen under load)."""
    from catalog.models import Job
    runner = fresh_app.extensions["cratedig"].jobs
    go = threading.Event()
    job = runner.start("test", {}, lambda progress: (go.wait(10), {"ok": True})[1])
    with runner.catalog.session() as s:
        seen = s.get(Job, job["id"])
        assert seen.state in ("queued", "running")  # the reader's view, before the job ends
        go.set()
        runner._threads[job["id"]].join(10)  # the job commits "done" and leaves _threads
        assert runner._reap(s, seen) is False
        assert seen.state == "done"
    assert runner.get(job["id"])["state"] == "done"
