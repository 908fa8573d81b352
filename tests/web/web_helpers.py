"""Helpers for web tests (a unique module name: `from conftest import` is ambiguous with
several conftest.py files)."""
from __future__ import annotations


def file_ids(app) -> dict[str, int]:
    """{file name: id} of the app's catalogue."""
    from sqlalchemy import select

    from catalog.models import File
    with app.extensions["cratedig"].catalog.session() as s:
        return {name: fid for fid, name in s.execute(select(File.id, File.name))}


def wait_job(client, job_id: int, timeout: float = 120.0) -> dict:
    """Poll the API until the job finishes (bounded)."""
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        resp = client.get(f"/api/jobs/{job_id}")
        assert resp.status_code == 200 and resp.is_json, (resp.status_code, resp.data[:500])
        job = resp.get_json()
        if job["finished"]:
            if job["state"] == "failed":  # shown with the failing assertion
                print(f"job {job_id} failed: {job.get('message')}")
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")
