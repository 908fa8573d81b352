// The search page: results as you type (debounced), play in page, waveform thumbnails,
// more like this, generate on a miss, keyboard control.
"use strict";
(function () {
  const { api, fmtDuration, el, refreshStats, sleep } = window.cd;
  const DEBOUNCE_MS = 250;
  const $ = (id) => document.getElementById(id);
  const q = $("q"), kSel = $("k"), sourceSel = $("source"), segBox = $("segments");
  const list = $("results"), status = $("status"), player = $("player");
  const state = { like: null, likeName: "", seq: 0, ctrl: null, playingId: null, lastQuery: "" };
  let timer = null;

  function params() {
    const p = new URLSearchParams();
    const text = q.value.trim();
    if (text) p.set("q", text);
    if (state.like) p.set("like", state.like);
    p.set("k", kSel.value);
    if (sourceSel.value) p.set("source", sourceSel.value);
    if (segBox.checked) p.set("segments", "1");
    return p;
  }

  async function runSearch() {
    clearTimeout(timer);
    const text = q.value.trim();
    if (!text && !state.like) {
      list.replaceChildren(); status.textContent = ""; $("miss").hidden = true; return;
    }
    const seq = ++state.seq;
    if (state.ctrl) state.ctrl.abort();
    state.ctrl = new AbortController();
    status.textContent = "searching…";
    const started = performance.now();
    try {
      const data = await api("GET", "/api/search?" + params().toString(), undefined,
                             { signal: state.ctrl.signal });
      if (seq !== state.seq) return;  // a newer search has started
      const ms = Math.round(performance.now() - started);
      render(data.results);
      status.textContent = `${data.results.length} result${data.results.length === 1 ? "" : "s"} in ${ms} ms`;
      state.lastQuery = text;
      const miss = data.miss === true || data.results.length === 0;
      $("miss").hidden = !(miss && text && !state.like);
      $("miss-query").textContent = text;
      $("gen-status").textContent = "";
    } catch (e) {
      if (e.name === "AbortError") return;
      if (seq !== state.seq) return;
      if (e.code === "nothing_indexed") {
        list.replaceChildren();
        status.replaceChildren("Nothing is indexed yet: ",
          el("a", { href: "/index", text: "index a folder" }), " first.");
      } else status.textContent = "error: " + e.message;
    }
  }

  function schedule() { clearTimeout(timer); timer = setTimeout(runSearch, DEBOUNCE_MS); }

  function resultItem(r, fresh) {
    const wave = el("div", { class: "wave", title: "click to seek" },
      el("img", { src: `/api/files/${r.id}/waveform.png`, alt: "", loading: "lazy", width: "480", height: "64" }),
      el("div", { class: "played" }));
    if (r.duration > 0 && r.end > r.start && (r.start > 0 || r.end < r.duration - 0.01)) {
      const seg = el("div", { class: "segment" });
      seg.style.left = (100 * r.start / r.duration) + "%";
      seg.style.width = (100 * (r.end - r.start) / r.duration) + "%";
      wave.append(seg);
    }
    const playBtn = el("button", { class: "play", type: "button", "aria-label": "Play " + r.name, text: "▶" });
    const meta = el("div", { class: "meta" },
      el("span", { class: "score", title: "similarity", text: (r.score ?? 0).toFixed(3) }),
      el("span", { class: "duration", text: fmtDuration(r.duration) }),
      r.start > 0 || r.segment_id ? el("span", { class: "range", text: `@ ${fmtDuration(r.start)}–${fmtDuration(r.end)}` }) : null,
      el("span", { class: "source src-" + r.source, text: r.source }),
      el("span", { class: "folder", title: r.folder, text: r.folder }));
    const like = el("button", { class: "like", type: "button", text: "more like this" });
    const dl = el("a", { class: "download", href: `/api/files/${r.id}/download`, download: r.name, text: "download" });
    const li = el("li", { class: "result" + (fresh ? " fresh" : ""), tabindex: "-1",
                          "data-id": String(r.id), "data-start": String(r.start || 0) },
      playBtn,
      el("div", { class: "body" }, el("div", { class: "name", title: r.path, text: r.name }), meta, wave),
      el("div", { class: "actions" }, like, dl));
    playBtn.addEventListener("click", () => { select(li); toggle(li); });
    like.addEventListener("click", () => moreLike(r));
    wave.addEventListener("click", (ev) => {
      const rect = wave.getBoundingClientRect();
      const frac = Math.min(1, Math.max(0, (ev.clientX - rect.left) / rect.width));
      select(li); play(li, frac * (r.duration || 0));
    });
    li.addEventListener("focus", () => select(li));
    return li;
  }

  function render(results) {
    stopPlayer();
    list.replaceChildren(...results.map((r) => resultItem(r, false)));
  }

  // ---- playback: one shared <audio>, so only one sound plays at a time ----
  function items() { return Array.from(list.querySelectorAll("li.result")); }
  function selected() { return list.querySelector("li.result.selected"); }
  function select(li) {
    items().forEach((x) => x.classList.toggle("selected", x === li));
    if (li && document.activeElement !== li) li.focus({ preventScroll: false });
  }
  function stopPlayer() {
    player.pause();
    state.playingId = null;
    items().forEach((x) => x.classList.remove("playing"));
  }
  function play(li, at) {
    const id = li.dataset.id;
    items().forEach((x) => x.classList.toggle("playing", x === li));
    li.querySelector(".play").textContent = "❚❚";
    if (state.playingId !== id) {
      items().forEach((x) => { if (x !== li) x.querySelector(".play").textContent = "▶"; });
      state.playingId = id;
      player.src = `/api/files/${id}/audio`;
      const start = at ?? parseFloat(li.dataset.start || "0");
      // segment hits start at their offset; seeking needs metadata (and Range support)
      player.addEventListener("loadedmetadata", () => { if (start > 0) player.currentTime = start; }, { once: true });
    } else if (at !== undefined) {
      player.currentTime = at;
    }
    player.play().catch((e) => { status.textContent = "cannot play: " + e.message; });
  }
  function toggle(li) {
    if (state.playingId === li.dataset.id && !player.paused) {
      player.pause();
      li.querySelector(".play").textContent = "▶";
    } else play(li);
  }
  player.addEventListener("timeupdate", () => {
    const li = list.querySelector(`li.result[data-id="${state.playingId}"]`);
    if (!li || !player.duration) return;
    li.querySelector(".played").style.width = (100 * player.currentTime / player.duration) + "%";
  });
  player.addEventListener("ended", () => {
    items().forEach((x) => { x.querySelector(".play").textContent = "▶"; x.classList.remove("playing"); });
    state.playingId = null;
  });

  // ---- more like this ----
  function moreLike(r) {
    // by example only: the box is cleared (typing again adds words to the example)
    q.value = "";
    state.like = r.id; state.likeName = r.name;
    $("like-name").textContent = r.name;
    $("like-chip").hidden = false;
    runSearch();
  }
  $("like-clear").addEventListener("click", () => {
    state.like = null; $("like-chip").hidden = true; q.focus(); runSearch();
  });

  // ---- generate on a miss: a job, polled; the new clip joins the results ----
  async function generate() {
    const prompt = q.value.trim();
    if (!prompt) return;
    const btn = $("generate"), bar = $("gen-progress"), gs = $("gen-status");
    btn.disabled = true; bar.hidden = false; gs.textContent = "generating…";
    try {
      let job = await api("POST", "/api/generate", { prompt });
      const t0 = performance.now();
      while (!job.finished) {
        await sleep(400);
        job = await api("GET", `/api/jobs/${job.id}`);
        const secs = ((performance.now() - t0) / 1000).toFixed(1);
        gs.textContent = `${job.message || "generating"}… ${secs} s`;
      }
      if (job.state !== "done") throw new Error(job.message || job.state);
      const r = job.result.result;
      const li = resultItem(r, true);
      list.prepend(li);
      $("miss").hidden = true;
      status.textContent = `generated ${r.name} in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
      select(li);
      refreshStats();
    } catch (e) {
      gs.textContent = "generation failed: " + e.message;
    } finally {
      btn.disabled = false; bar.hidden = true;
    }
  }
  $("generate").addEventListener("click", generate);

  // ---- input and keyboard ----
  q.addEventListener("input", schedule);
  [kSel, sourceSel, segBox].forEach((c) => c.addEventListener("change", runSearch));
  $("search-form").addEventListener("submit", (ev) => { ev.preventDefault(); runSearch(); });
  q.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown" && items().length) { ev.preventDefault(); select(items()[0]); }
  });
  list.addEventListener("keydown", (ev) => {
    const li = selected();
    if (!li) return;
    const all = items(), i = all.indexOf(li);
    if (ev.key === "ArrowDown") { ev.preventDefault(); if (i < all.length - 1) select(all[i + 1]); }
    else if (ev.key === "ArrowUp") { ev.preventDefault(); if (i > 0) select(all[i - 1]); else q.focus(); }
    else if (ev.key === " " || ev.key === "Enter") { ev.preventDefault(); toggle(li); }
    else if (ev.key === "m") { ev.preventDefault(); li.querySelector(".like").click(); }
    else if (ev.key === "d") { ev.preventDefault(); li.querySelector(".download").click(); }
    else if (ev.key === "Escape") { q.focus(); }
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "/" && document.activeElement !== q) { ev.preventDefault(); q.focus(); q.select(); }
  });
  if (q.value.trim()) runSearch();
})();
