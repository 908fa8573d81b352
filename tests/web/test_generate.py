"""Generation through the API: a job that renders with the real music engine, indexes the clip
from its audio and returns it as a search result; generate-on-miss through POST /api/search;
deletion. A small real decoder (tests/decoder_double.py) stands in for the trained weights."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import wait_job
from web_audio import write_audio

PROMPT = "punchy kick drum one-shot, 1 second"


@pytest.fixture(scope="module")
def tiny():
    from decoder_double import tiny_decoder
    return tiny_decoder(32)


@pytest.fixture
def gen_app(tmp_path, web_aligner, tiny):
    from catalog.settings import Settings
    from web import create_app
    (tmp_path / "roots").mkdir()
    # every search misses at this threshold, so generation is always on offer
    settings = Settings(home=tmp_path / "home", workers=1, batch_size=8, miss_threshold=0.99)
    app = create_app(settings, index_roots=[tmp_path / "roots"], aligner=web_aligner, decoder=tiny)
    yield app
    app.extensions["cratedig"].close()


def test_generate_job_makes_indexes_and_returns_a_clip(gen_app):
    client = gen_app.test_client()
    st = gen_app.extensions["cratedig"]
    resp = client.post("/api/generate", json={"prompt": PROMPT})
    assert resp.status_code == 202 and resp.get_json()["kind"] == "generate"
    job = wait_job(client, resp.get_json()["id"], timeout=300)
    assert job["state"] == "done", job
    r = job["result"]["result"]
    assert job["result"]["generated"] is True
    assert r["source"] == "generated" and r["duration"] == pytest.approx(1.0, abs=0.05)
    path = Path(r["path"])
    assert path.is_file() and path.parent == st.settings.generated_dir
    detail = client.get(f"/api/files/{r['id']}").get_json()
    assert detail["source"] == "generated" and detail["prompt"] == PROMPT
    assert client.get(f"/api/files/{r['id']}/audio").status_code == 200
    # the same prompt again reuses the clip instead of generating another
    again = wait_job(client, client.post("/api/generate", json={"prompt": PROMPT}).get_json()["id"], 300)
    assert again["result"]["generated"] is False and again["result"]["result"]["id"] == r["id"]
    # an explicit seed makes a new clip
    seeded = wait_job(client, client.post("/api/generate", json={"prompt": PROMPT, "seed": 7}).get_json()["id"], 300)
    assert seeded["state"] == "done" and seeded["result"]["generated"] is True, seeded
    assert seeded["result"]["result"]["id"] != r["id"]
    assert seeded["result"]["generation"]["seed"] == 7
    assert client.get("/api/stats").get_json()["generated"] == 2
    # and deleting removes it from disk and from the results
    assert client.delete(f"/api/generated/{r['id']}").status_code == 200
    assert not path.exists()
    assert client.get("/api/stats").get_json()["generated"] == 1


def test_post_search_generates_on_a_miss(gen_app, tmp_path):
    client = gen_app.test_client()
    lib = tmp_path / "roots" / "lib"
    write_audio(lib / "hum.wav", 1.0, 16_000, 1, ("WAV", "PCM_16"), "sine60")
    assert wait_job(client, client.post("/api/jobs", json={"paths": [str(lib)]}).get_json()["id"])["state"] == "done"
    plain = client.get("/api/search", query_string={"q": PROMPT}).get_json()
    assert plain["miss"] is True and plain["generated"] is False
    resp = client.post("/api/search", json={"q": PROMPT, "generate": True, "k": 5})
    assert resp.status_code == 200, resp.get_json()
    data = resp.get_json()
    assert data["generated"] is True and data["results"][0]["source"] == "generated"
    assert {r["name"] for r in data["results"]} >= {"hum.wav"}
    # the cached read-only answer from before is not served any more: the catalogue changed
    after = client.get("/api/search", query_string={"q": PROMPT, "k": 5}).get_json()
    assert any(r["source"] == "generated" for r in after["results"])
