// evpipe dashboard: polls GET /api/state every second and renders it.
// Every value from the state is written with textContent (never innerHTML),
// so an event's text shows as text, whatever it holds.
"use strict";
(function () {
  const POLL_MS = 1000;

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function row(cells) {
    const tr = document.createElement("tr");
    for (const c of cells) tr.appendChild(c instanceof Node ? c : el("td", c));
    return tr;
  }

  function fill(id, rows, columns) {
    const body = document.querySelector("#" + id + " tbody");
    const fresh = document.createElement("tbody");
    if (rows.length === 0) {
      const tr = row([]);
      tr.className = "empty";
      const td = el("td", "none yet");
      td.colSpan = columns;
      tr.appendChild(td);
      fresh.appendChild(tr);
    }
    for (const r of rows) fresh.appendChild(r);
    body.replaceWith(fresh);
  }

  function num(v, cls) { return el("td", v === undefined || v === null ? "" : v, "num" + (cls ? " " + cls : "")); }
  function ms(v) { return num(typeof v === "number" ? v.toFixed(1) : v); }
  function statusClass(code) { return "s" + String(code).charAt(0); }
  function list(v) { return Array.isArray(v) ? v : []; }
  function obj(v) { return v !== null && typeof v === "object" && !Array.isArray(v) ? v : {}; }
  function newestFirst(a) { return list(a).slice().reverse(); }

  function renderQueues(q) {
    const rows = [];
    for (const name of ["events", "dlq"]) {
      const info = obj(obj(q)[name]);
      const bad = name === "dlq" && Number(info.visible) > 0 ? "bad" : "";
      rows.push(row([el("td", name === "dlq" ? "dead-letter" : "events"), num(info.visible, bad), num(info.in_flight),
                     el("td", info.url, "mono")]));
    }
    fill("queues", rows, 4);
  }

  function renderFunctions(fns, invocations) {
    const stats = {};
    for (const inv of list(invocations)) {
      const s = stats[inv.function] || (stats[inv.function] = { n: 0, errors: 0, total: 0 });
      s.n++;
      if (inv.status !== "ok") s.errors++;
      if (typeof inv.duration_ms === "number") s.total += inv.duration_ms;
    }
    const names = new Set(Object.keys(obj(fns)).concat(Object.keys(stats)));
    const rows = [];
    for (const name of Array.from(names).sort()) {
      const f = obj(obj(fns)[name]);
      const s = stats[name] || { n: 0, errors: 0, total: 0 };
      rows.push(row([el("td", name), num(f.instances), num(f.restarts, Number(f.restarts) > 0 ? "bad" : ""), num(s.n),
                     num(s.errors, s.errors > 0 ? "bad" : ""), ms(s.n ? s.total / s.n : null)]));
    }
    fill("functions", rows, 6);
  }

  function renderRequests(requests) {
    const counts = {};
    for (const r of list(requests)) counts[r.status] = (counts[r.status] || 0) + 1;
    const box = document.getElementById("request-counts");
    box.replaceChildren();
    for (const code of Object.keys(counts).sort()) box.appendChild(el("span", code + ": " + counts[code], statusClass(code)));
    fill("requests", newestFirst(requests).map((r) => row([
      el("td", r.time, "mono"), el("td", r.method), el("td", r.path, "mono"), num(r.status, statusClass(r.status)),
      ms(r.duration_ms), el("td", r.request_id, "mono")])), 6);
  }

  function renderInvocations(invocations) {
    fill("invocations", newestFirst(invocations).map((i) => row([
      el("td", i.time, "mono"), el("td", i.function), el("td", i.status, i.status === "ok" ? "s2" : "bad"),
      ms(i.duration_ms), el("td", i.request_id, "mono")])), 5);
  }

  function pretty(v) {
    const td = el("td");
    td.appendChild(el("pre", typeof v === "string" ? v : JSON.stringify(v, null, 1)));
    return td;
  }

  function renderStored(stored) {
    fill("stored", list(stored).map((item) => {
      const it = obj(item);
      return row([el("td", it.received_at, "mono"), el("td", it.event_id, "mono"), el("td", it.event_type || it.type),
                  el("td", it.source), pretty(it)]);
    }), 5);
  }

  function renderDlq(messages) {
    fill("dlq", list(messages).map((m) => {
      const msg = obj(m);
      return row([el("td", msg.messageId, "mono"), num(obj(msg.attributes).ApproximateReceiveCount), pretty(msg.body)]);
    }), 3);
  }

  function setStatus(state, text) {
    const s = document.getElementById("status");
    s.dataset.state = state;
    s.textContent = text;
  }

  function render(state) {
    renderQueues(state.queues);
    renderFunctions(state.functions, state.invocations);
    renderRequests(state.requests);
    renderInvocations(state.invocations);
    renderStored(state.stored);
    renderDlq(state.dlq_messages);
  }

  async function poll() {
    try {
      const res = await fetch("/api/state", { cache: "no-store" });
      if (!res.ok) throw new Error("HTTP " + res.status);
      const state = await res.json();
      render(obj(state));
      setStatus("ok", "updated " + new Date().toLocaleTimeString());
    } catch (e) {
      setStatus("error", "cannot read /api/state: " + e.message + " (retrying)");
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  poll();
})();
