// The index page: start a bulk index of a server folder, follow its progress, show failures.
"use strict";
(function () {
  const { api, fmtDuration, el, refreshStats, sleep } = window.cd;
  const $ = (id) => document.getElementById(id);
  let current = null;

  function showJob(job) {
    $("job").hidden = false;
    $("job-id").textContent = "#" + job.id;
    $("job-state").textContent = job.state;
    $("job-state").className = "state-" + job.state;
    const pct = job.total ? Math.min(100, 100 * job.done / job.total) : (job.finished ? 100 : 0);
    $("job-bar").style.width = pct.toFixed(1) + "%";
    $("job-progress").textContent = job.total
      ? `${job.done} / ${job.total} files · ${fmtDuration(job.audio_seconds)} of audio` +
        (job.message ? ` · ${job.message}` : "")
      : (job.message || (job.finished ? "" : "starting…"));
    $("cancel").hidden = job.finished;
    $("start").disabled = !job.finished;
    const r = job.result;
    if (job.finished && r) {
      const parts = [];
      for (const key of ["indexed", "unchanged", "failed", "pruned"])
        if (r[key] !== undefined) parts.push(`${key} ${Array.isArray(r[key]) ? r[key].length : r[key]}`);
      $("job-summary").textContent = parts.join(", ");
      const failures = r.failures || (Array.isArray(r.failed) ? r.failed : []);
      $("failures-title").hidden = failures.length === 0;
      $("failures").replaceChildren(...failures.map((f) =>
        el("li", {}, el("code", { text: f.path }), " ", el("span", { class: "reason", text: f.kind && !f.reason.startsWith(f.kind) ? `${f.kind}: ${f.reason}` : f.reason }))));
    } else if (job.finished) {
      $("job-summary").textContent = job.message || "";
    } else {
      $("job-summary").textContent = "";
    }
  }

  async function follow(job) {
    current = job.id;
    showJob(job);
    while (!job.finished && current === job.id) {
      await sleep(400);
      job = await api("GET", `/api/jobs/${job.id}`);
      showJob(job);
    }
    refreshStats();
    loadJobs();
  }

  async function loadJobs() {
    try {
      const { jobs } = await api("GET", "/api/jobs?kind=index&limit=10");
      $("jobs").replaceChildren(...jobs.map((j) => el("li", {},
        el("span", { class: "state-" + j.state, text: j.state }), ` #${j.id} `,
        el("code", { text: (j.params.paths || []).join(", ") }),
        ` · ${j.done}/${j.total} files` + (j.message ? ` · ${j.message}` : ""))));
      return jobs;
    } catch (e) { return []; }
  }

  $("index-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("job-summary").textContent = "";
    try {
      const job = await api("POST", "/api/jobs", { kind: "index", paths: [$("path").value.trim()],
                                                   prune: $("prune").checked });
      await follow(job);
    } catch (e) {
      $("job").hidden = false;
      $("job-state").textContent = "not started";
      $("job-summary").textContent = e.message;
    }
  });
  $("cancel").addEventListener("click", async () => {
    if (current !== null) await api("POST", `/api/jobs/${current}/cancel`, {});
  });

  loadJobs().then((jobs) => {
    const live = jobs.find((j) => !j.finished);
    if (live) follow(live);
  });
})();
