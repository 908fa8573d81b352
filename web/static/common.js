// Shared helpers: the API client (JSON, token from sessionStorage on 401), formatting, stats.
"use strict";
(function () {
  const TOKEN_KEY = "cratedig-token";

  class ApiError extends Error {
    constructor(status, code, message) { super(message); this.status = status; this.code = code; }
  }

  let tokenWaiters = [];
  function askToken() {
    const form = document.getElementById("token-form");
    form.hidden = false;
    document.getElementById("token-input").focus();
    return new Promise((resolve) => tokenWaiters.push(resolve));
  }
  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("token-form");
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const t = document.getElementById("token-input").value.trim();
      if (!t) return;
      sessionStorage.setItem(TOKEN_KEY, t);
      form.hidden = true;
      const ws = tokenWaiters; tokenWaiters = [];
      ws.forEach((w) => w(t));
    });
    refreshStats();
  });

  async function api(method, url, body, opts = {}) {
    for (let attempt = 0; attempt < 2; attempt++) {
      const headers = { "Accept": "application/json" };
      const token = sessionStorage.getItem(TOKEN_KEY);
      if (token) headers["Authorization"] = "Bearer " + token;
      if (body !== undefined) headers["Content-Type"] = "application/json";
      const resp = await fetch(url, {
        method, headers, signal: opts.signal, credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      let data = null;
      try { data = await resp.json(); } catch (e) { data = null; }
      if (resp.ok) return data;
      const err = (data && data.error) || { code: "http_" + resp.status, message: resp.statusText };
      if (resp.status === 401 && attempt === 0) {
        sessionStorage.removeItem(TOKEN_KEY);
        await askToken();
        continue;
      }
      throw new ApiError(resp.status, err.code, err.message);
    }
    throw new ApiError(401, "token_required", "a token is needed");
  }

  function fmtDuration(s) {
    if (s === null || s === undefined || isNaN(s)) return "";
    if (s < 10) return s.toFixed(2) + " s";
    const m = Math.floor(s / 60), r = Math.round(s - m * 60);
    return m ? `${m}:${String(r).padStart(2, "0")}` : `${Math.round(s)} s`;
  }

  function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("data-") || k.startsWith("aria-") || k === "role" || k === "title"
               || k === "href" || k === "src" || k === "alt" || k === "type" || k === "download"
               || k === "tabindex" || k === "loading" || k === "width" || k === "height")
        e.setAttribute(k, v === true ? "" : v);
      else e[k] = v;
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  async function refreshStats() {
    const box = document.getElementById("stats");
    if (!box) return;
    try {
      const s = await api("GET", "/api/stats");
      box.textContent = `${s.files} files · ${s.segments} segments · ${s.hours.toFixed(2)} h` +
        (s.generated ? ` · ${s.generated} generated` : "");
    } catch (e) { box.textContent = ""; }
  }

  window.cd = { api, ApiError, fmtDuration, el, refreshStats,
                sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
})();
