// Jikocho case viewer: one page over the read-only JSON API of `jikocho serve` (docs/serve.md).
// Evidence is hostile: every value from the case goes into the page as text (textContent), never as markup.
"use strict";

const ROW = 24;                 // px per timeline row (the list draws only the rows in view)
const BLOCK = 500;              // events per API page: the list is fetched and kept a block at a time
const KEEP_BLOCKS = 60;         // blocks kept (30,000 rows); others are fetched again when scrolled back to
const MAX_PX = 8000000;         // the list's height stops here; past it, the scrollbar stands for places in proportion
const DOMAINS = ["it", "network", "ot", "process"];
const COLORS = { it: "#2f6fb3", network: "#7a5bb5", ot: "#c9621f", process: "#2e8b57" };

const state = { token: null, info: null, report: null, generation: 0, lanes: null, selected: null, seriesList: null,
                // The timeline's list: its length, the first place drawn, the blocks fetched (by block number, oldest
                // first), the filters they were fetched with, and the scroll position the page itself last set.
                total: 0, top: 0, blocks: new Map(), query: null, setScroll: null };

function h(tag, props, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const kid of kids.flat(Infinity)) {
    if (kid === null || kid === undefined) continue;
    e.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return e;
}

async function api(path) {
  const headers = state.token ? { Authorization: "Bearer " + state.token } : {};
  const r = await fetch(path, { headers });
  const body = await r.json().catch(() => ({ error: "the server's answer is not JSON" }));
  if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
  return body;
}

function fail(where, err) {
  where.replaceChildren(h("p", { class: "bad", text: "Could not load: " + err.message }));
}

// Routing: #/VIEW?key=value&…  (#token=T once, kept for the session)
function route() {
  const raw = location.hash.replace(/^#/, "");
  if (raw.startsWith("token=")) {
    sessionStorage.setItem("jikocho-token", decodeURIComponent(raw.slice(6)));
    location.replace("#/timeline");
    return null;
  }
  const [path, query] = raw.replace(/^\//, "").split("?");
  return { view: path || "timeline", params: new URLSearchParams(query || "") };
}

function go(view, params) {
  const q = params && params.toString();
  location.hash = "#/" + view + (q ? "?" + q : "");
}

async function show() {
  const r = route();
  if (!r) return;
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.view === r.view);
  for (const s of document.querySelectorAll(".view")) s.classList.toggle("active", s.id === "view-" + r.view);
  document.body.dataset.view = r.view;
  try {
    if (r.view === "timeline") await showTimeline(r.params);
    else if (r.view === "chain") await showChain();
    else if (r.view === "findings") await showFindings();
    else if (r.view === "process") await showProcess(r.params);
    else if (r.view === "clocks") await showClocks();
    else if (r.view === "custody") await showCustody();
  } catch (e) {
    fail(document.getElementById("view-" + r.view) || document.querySelector("main"), e);
  }
}

async function report() {
  if (!state.report) state.report = await api("/api/report");
  return state.report;
}

// ---- Timeline ----------------------------------------------------------------------------------------------

const FILTER_KEYS = ["domain", "kind", "asset", "q", "from", "to"];

function filterQuery(params) {
  const q = new URLSearchParams();
  for (const k of FILTER_KEYS) { const v = params.get(k); if (v) q.set(k, v); }
  return q;
}

async function showTimeline(params) {
  const form = document.getElementById("filters");
  for (const k of FILTER_KEYS) form.elements[k].value = params.get(k) || "";
  const q = filterQuery(params);
  const generation = ++state.generation;
  Object.assign(state, { total: 0, top: 0, blocks: new Map(), query: q });
  document.getElementById("count").textContent = "counting…";
  renderRows();
  loadLanes(q, generation);
  // The list's length, and, for an event asked for by its address, its place in the list (the list starts there).
  const wanted = Number(params.get("event"));
  const withEvent = new URLSearchParams(q); withEvent.set("event", wanted);
  try {
    const [count, place] = await Promise.all([api("/api/count?" + q.toString()),
      wanted > 0 ? api("/api/place?" + withEvent.toString()).catch(() => null) : null]);
    if (generation !== state.generation) return;
    state.total = count.events;
    document.getElementById("count").textContent = state.total.toLocaleString("en") + " events"
      + (place && !place.in_list ? " (event #" + wanted + " is not among them: the list shows where it would be)" : "");
    scrollToPlace(place ? Math.max(0, place.at - 3) : 0);
  } catch (e) {
    document.getElementById("count").textContent = "Could not count the events: " + e.message;
  }
  if (wanted > 0) await showEvent(wanted);
}

// The list's geometry: up to MAX_PX it is one row per ROW pixels; a longer list keeps its height at MAX_PX and the
// scrollbar's position stands for the place in proportion (the rows are then drawn where the view is).
function geometry() {
  const box = document.getElementById("rows");
  const visible = Math.max(1, Math.floor(box.clientHeight / ROW));
  const full = state.total * ROW;
  const height = Math.min(full, MAX_PX);
  return { box, visible, height, scaled: full > MAX_PX, last: Math.max(0, state.total - visible) };
}

function placeFor(scrollTop) {
  const g = geometry();
  if (!g.scaled) return Math.min(g.last, Math.floor(scrollTop / ROW));
  return Math.round(scrollTop / Math.max(1, g.height - g.box.clientHeight) * g.last);
}

function scrollToPlace(place) {
  const g = geometry();
  state.top = Math.max(0, Math.min(g.last, Math.round(place)));
  document.getElementById("rows-spacer").style.height = g.height + "px";
  const top = g.scaled ? Math.round(state.top / Math.max(1, g.last) * (g.height - g.box.clientHeight)) : state.top * ROW;
  g.box.scrollTop = top;
  state.setScroll = g.box.scrollTop;   // the scroll event this causes keeps state.top as set
  renderRows();
}

// A block of the list, fetched once (and again when it has been let go); null while it is on its way.
function block(b) {
  const have = state.blocks.get(b);
  if (have !== undefined) {
    state.blocks.delete(b); state.blocks.set(b, have);    // most recently used last
    return have;
  }
  state.blocks.set(b, null);
  const generation = state.generation;
  const p = new URLSearchParams(state.query);
  p.set("at", b * BLOCK); p.set("limit", BLOCK);
  api("/api/events?" + p.toString()).then(page => {
    if (generation !== state.generation) return;
    state.blocks.set(b, page.events);
    while (state.blocks.size > KEEP_BLOCKS) state.blocks.delete(state.blocks.keys().next().value);
    renderRows();
  }, e => {
    if (generation !== state.generation) return;
    state.blocks.delete(b);
    document.getElementById("count").textContent = "Could not load events: " + e.message;
  });
  return null;
}

function renderRows() {
  const g = geometry();
  const spacer = document.getElementById("rows-spacer");
  spacer.style.height = g.height + "px";
  const first = Math.max(0, state.top - 5);
  const last = Math.min(state.total, state.top + g.visible + 6);
  const rows = [];
  for (let i = first; i < last; i++) {
    const got = block(Math.floor(i / BLOCK));
    const e = got && got[i % BLOCK];
    const row = e
      ? h("div", { class: "row" + (state.selected === e.id ? " selected" : ""), "data-id": e.id, "data-place": i, onclick: () => showEvent(e.id) },
          h("span", { class: "dom dom-" + e.domain, title: e.domain }),
          h("span", { class: "t", text: e.time.replace("T", " ").replace("Z", "") }),
          h("span", { class: "k", text: e.kind }),
          h("span", { class: "m", text: e.message }))
      : h("div", { class: "row pending", "data-place": i }, h("span", { class: "m", text: got ? "" : "…" }));
    row.style.top = (g.scaled ? g.box.scrollTop + (i - state.top) * ROW : i * ROW) + "px";
    rows.push(row);
  }
  g.box.replaceChildren(spacer, ...rows);
  const where = document.getElementById("where");
  if (where) where.textContent = state.total > g.visible ? "#" + (state.top + 1).toLocaleString("en") + "–"
    + Math.min(state.total, state.top + g.visible).toLocaleString("en") : "";
}

// Scrolling: the scrollbar (and, in a list short enough, the wheel and keys natively) move the place; in a list
// longer than MAX_PX the wheel and keys move it by rows, as they would in a short one.
function setupRows() {
  const box = document.getElementById("rows");
  box.addEventListener("scroll", () => {
    if (state.setScroll !== null && box.scrollTop === state.setScroll) { renderRows(); return; }
    state.setScroll = null;
    state.top = placeFor(box.scrollTop);
    renderRows();
  });
  box.addEventListener("wheel", e => {
    if (!geometry().scaled) return;
    e.preventDefault();
    const rows = e.deltaMode === 1 ? e.deltaY : e.deltaMode === 2 ? e.deltaY * geometry().visible : e.deltaY / ROW;
    scrollToPlace(state.top + (rows > 0 ? Math.max(1, Math.round(rows)) : Math.min(-1, Math.round(rows))));
  }, { passive: false });
  box.addEventListener("keydown", e => {
    const g = geometry();
    if (!g.scaled) return;
    const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: g.visible, PageUp: -g.visible, Home: -Infinity, End: Infinity };
    if (!(e.key in moves)) return;
    e.preventDefault();
    const m = moves[e.key];
    scrollToPlace(m === Infinity ? g.last : m === -Infinity ? 0 : state.top + m);
  });
}

async function showEvent(id) {
  const box = document.getElementById("detail");
  state.selected = id;
  renderRows();
  try {
    const e = await api("/api/events/" + id);
    const fields = [["Time", e.time], ["Recorded", e.recorded_time], ["Means", e.time_description], ["Kind", e.kind],
                    ["Domain", e.domain], ["Host", e.host], ["Asset", e.asset], ["User", e.user], ["From", e.src],
                    ["To", e.dst], ["Collector", e.collector], ["Locator", e.locator]];
    const ev = e.evidence || {};
    box.replaceChildren(
      h("h3", { text: "Event #" + e.id }),
      h("p", { text: e.message }),
      h("table", {}, fields.filter(([, v]) => v).map(([k, v]) => h("tr", {}, h("td", { text: k }), h("td", { text: v })))),
      h("h3", { text: "Evidence" }),
      h("table", {},
        h("tr", {}, h("td", { text: "Item" }), h("td", { text: "#" + ev.id + " " + (ev.name || "") })),
        h("tr", {}, h("td", { text: "SHA-256" }), h("td", { class: "mono sha", text: ev.sha256 || "" })),
        h("tr", {}, h("td", { text: "Acquired" }), h("td", { text: (ev.acquired_at || "") + " by " + (ev.examiner || "") }))),
      h("h3", { text: "Attributes" }),
      h("pre", { class: "mono", text: JSON.stringify(e.attributes, null, 1) }),
      h("h3", { text: "Custody of this evidence" }),
      h("table", {}, (e.custody || []).map(c => h("tr", {}, h("td", { text: "#" + c.seq + " " + c.at }),
        h("td", { text: c.action + " " + c.subject + " by " + c.actor })))));
  } catch (err) {
    fail(box, err);
  }
}

async function loadLanes(q, generation) {
  const canvas = document.getElementById("lanes");
  const width = canvas.clientWidth || 1000;
  canvas.width = width;
  const p = new URLSearchParams(q);
  p.set("buckets", Math.max(10, Math.floor(width / 2)));
  try {
    const hist = await api("/api/histogram?" + p.toString());
    if (generation !== state.generation) return;
    state.lanes = hist;
    drawLanes();
  } catch (e) {
    document.getElementById("lanes-range").textContent = "Could not draw the lanes: " + e.message;
  }
}

function iso(ns) { return new Date(Number(ns) / 1e6).toISOString().replace(".000Z", "Z"); }

function drawLanes() {
  const canvas = document.getElementById("lanes");
  const g = canvas.getContext("2d");
  const hist = state.lanes;
  g.clearRect(0, 0, canvas.width, canvas.height);
  if (!hist || hist.from_ns === null) { document.getElementById("lanes-range").textContent = "no events"; return; }
  const laneH = canvas.height / DOMAINS.length;
  const barW = canvas.width / hist.buckets;
  DOMAINS.forEach((d, i) => {
    const counts = hist.lanes[d] || [];
    const max = Math.max(1, ...counts);
    g.fillStyle = "#99a"; g.font = "11px sans-serif"; g.fillText(d, 4, i * laneH + 12);
    g.fillStyle = COLORS[d];
    counts.forEach((n, k) => {
      if (!n) return;
      const hgt = Math.max(2, (laneH - 4) * Math.log(1 + n) / Math.log(1 + max));
      g.fillRect(k * barW, (i + 1) * laneH - hgt, Math.max(1, barW - 0.5), hgt);
    });
    g.strokeStyle = "#e3e6ea"; g.beginPath(); g.moveTo(0, (i + 1) * laneH); g.lineTo(canvas.width, (i + 1) * laneH); g.stroke();
  });
  document.getElementById("lanes-range").textContent = iso(hist.from_ns) + " — " + iso(hist.to_ns);
}

function setupLanes() {
  const canvas = document.getElementById("lanes");
  let start = null;
  canvas.addEventListener("mousedown", e => { start = e.offsetX; });
  canvas.addEventListener("mouseup", e => {
    const hist = state.lanes;
    if (start === null || !hist || hist.from_ns === null) return;
    const a = Math.min(start, e.offsetX), b = Math.max(start, e.offsetX);
    start = null;
    if (b - a < 3) { goToTime(hist.from_ns + Math.floor((hist.to_ns - hist.from_ns) * a / canvas.clientWidth)); return; }
    const span = hist.to_ns - hist.from_ns, w = canvas.clientWidth;
    const params = route().params;
    params.set("from", iso(hist.from_ns + Math.floor(span * a / w)));
    params.set("to", iso(hist.from_ns + Math.ceil(span * b / w)));
    params.delete("event");
    go("timeline", params);
  });
}

// The list at the first event at or after a time (a click on the lanes).
async function goToTime(ns) {
  const generation = state.generation;
  const p = new URLSearchParams(state.query); p.set("time", String(ns));
  try {
    const place = await api("/api/place?" + p.toString());
    if (generation === state.generation) scrollToPlace(place.at);
  } catch (e) {
    document.getElementById("count").textContent = "Could not go to that time: " + e.message;
  }
}

function setupFilters() {
  const form = document.getElementById("filters");
  form.addEventListener("submit", e => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const k of FILTER_KEYS) { const v = form.elements[k].value.trim(); if (v) p.set(k, v); }
    go("timeline", p);
  });
  document.getElementById("reset").addEventListener("click", () => go("timeline"));
  setupRows();
}

// ---- Chain, findings, clocks, custody ----------------------------------------------------------------------

function cite(ev) {
  if (!ev) return null;
  return h("div", { class: "cite" },
    h("a", { text: "event #" + ev.event_id, onclick: () => go("timeline", new URLSearchParams({ event: ev.event_id })) }),
    " · " + ev.evidence + " · ", h("span", { class: "mono", text: (ev.sha256 || "").slice(0, 16) + "…" }), " · " + ev.locator);
}

function chainView(c) {
  const out = [h("h3", { text: c.title })];
  c.steps.forEach((s, i) => {
    out.push(h("div", { class: "step role-" + s.role.replace(/[^a-z]+/gi, "-").toLowerCase(), "data-step": s.step },
      h("div", { class: "head" }, h("span", { class: "role", text: s.role }), h("span", { class: "mono", text: s.time }),
        h("span", { text: s.kind })),
      h("div", { text: s.message }),
      s.notes ? h("div", { class: "hint", text: s.notes.join(" · ") }) : null,
      cite(s.evidence)));
    if (s.link_to_next && i < c.steps.length - 1) {
      out.push(h("div", { class: "arrow", text: "↓ " + s.link_to_next.why + " (" + s.link_to_next.gap_s + " s later)" }));
    }
  });
  return h("div", { class: "chain" }, out);
}

async function showChain() {
  const view = document.getElementById("view-chain");
  const r = await report();
  const c = r.conclusion;
  const parts = [h("div", { class: "conclusion" },
    h("div", { class: "verdict", text: c.verdict }),
    h("div", { text: c.root_cause }),
    h("div", { class: "hint", text: "confidence " + c.confidence }),
    h("ul", {}, (c.reasons || []).map(x => h("li", { text: x }))))];
  if (r.chain) parts.push(chainView(r.chain));
  else parts.push(h("p", { class: "empty", text: "No causal chain to a physical effect in this case." }));
  for (const o of r.other_chains || []) parts.push(chainView(o));
  view.replaceChildren(...parts);
}

async function showFindings() {
  const view = document.getElementById("view-findings");
  const r = await report();
  const runs = (r.playbooks && r.playbooks.results) || [];
  if (!runs.length) {
    view.replaceChildren(h("p", { class: "empty", text: "The playbooks have not been run on this case (run `jikocho run CASE`): no finding can be shown, which does not mean there is none." }));
    return;
  }
  const list = (r.findings || []).map(f => h("div", { class: "finding" },
    h("div", {}, h("span", { class: "sev sev-" + f.severity, text: f.severity }), " ", h("b", { text: f.title })),
    h("div", { class: "hint", text: f.playbook + (f.on_chain ? " · on the chain" : "") + " · " + (f.techniques || []).join(", ") }),
    h("div", { text: f.summary }),
    h("div", { class: "hint" }, "events: ", (f.events || []).slice(0, 20).map(id => [h("a", { text: "#" + id, onclick: () => go("timeline", new URLSearchParams({ event: id })) }), " "]),
      (f.events || []).length > 20 ? "… " + (f.events.length - 20) + " more" : null)));
  view.replaceChildren(h("p", { class: "hint", text: runs.length + " playbooks run at " + r.playbooks.run_at }),
    ...(list.length ? list : [h("p", { class: "empty", text: "No playbook found anything." })]));
}

async function showClocks() {
  const view = document.getElementById("view-clocks");
  const r = await report();
  const rows = (r.clocks || []).map(c => h("tr", {}, h("td", { text: c.clock }), h("td", { text: c.source }),
    h("td", { text: c.offset_s + " s" }), h("td", { text: c.uncertainty_s === null ? "" : "± " + c.uncertainty_s + " s" }),
    h("td", { text: c.pairs === null ? "" : String(c.pairs) }), h("td", { text: c.reason || "" }), h("td", { text: (c.evidence || []).join(", ") })));
  view.replaceChildren(h("table", {}, h("tr", {}, ["Clock", "Source", "Offset", "Uncertainty", "Pairs", "Rests on", "Evidence"].map(t => h("th", { text: t }))), rows));
}

async function showCustody() {
  const view = document.getElementById("view-custody");
  const c = await api("/api/custody?limit=5000");
  const rows = c.entries.map(e => h("tr", {}, h("td", { text: "#" + e.seq }), h("td", { text: e.at }), h("td", { text: e.actor }),
    h("td", { text: e.action }), h("td", { text: e.subject }), h("td", { class: "mono", text: e.hash.slice(0, 16) + "…" })));
  view.replaceChildren(h("p", { class: "hint", text: c.total + " custody entries (hash-chained; Verify custody re-hashes every original)" }),
    h("table", {}, h("tr", {}, ["Seq", "At", "Actor", "Action", "Subject", "Hash"].map(t => h("th", { text: t }))), rows));
}

// ---- Process -----------------------------------------------------------------------------------------------

async function showProcess(params) {
  const select = document.getElementById("series-select");
  if (!state.seriesList) {
    state.seriesList = await api("/api/series");
    select.replaceChildren(...state.seriesList.map(s => h("option", { value: s.id, text: s.name + (s.unit ? " (" + s.unit + ")" : "") + " — " + s.samples + " samples" })));
    select.addEventListener("change", () => go("process", new URLSearchParams({ series: select.value })));
  }
  if (!state.seriesList.length) {
    document.getElementById("series-info").textContent = "This case holds no historian series.";
    return;
  }
  const id = params.get("series") || String(state.seriesList[0].id);
  select.value = id;
  const canvas = document.getElementById("plot");
  canvas.width = canvas.clientWidth || 1000;
  const s = await api("/api/series/" + id + "?buckets=" + canvas.width);
  const r = await report().catch(() => null);
  drawPlot(canvas, s, r);
}

function drawPlot(canvas, s, r) {
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, canvas.width, canvas.height);
  const info = document.getElementById("series-info");
  if (!s.buckets.length) { info.textContent = "no numeric samples"; return; }
  let lo = Infinity, hi = -Infinity;
  for (const b of s.buckets) { lo = Math.min(lo, b[1]); hi = Math.max(hi, b[2]); }
  if (hi === lo) { hi += 1; lo -= 1; }
  const pad = 24, H = canvas.height - 2 * pad, W = canvas.width;
  const x = t => (t - s.from_ns) / (s.to_ns - s.from_ns) * W;
  const y = v => pad + H - (v - lo) / (hi - lo) * H;
  // Marks: the chain's steps (red) and the findings' events (orange), at their corrected times.
  const marks = [];
  if (r && r.chain) for (const st of r.chain.steps) marks.push([Date.parse(st.time) * 1e6, "#c0392b", st.role]);
  for (const f of (r && r.findings) || []) for (const st of f.steps || []) marks.push([Date.parse(st.time) * 1e6, "#d68910", ""]);
  let labelled = 0;
  for (const [t, color, label] of marks) {
    if (t < s.from_ns || t > s.to_ns) continue;
    g.strokeStyle = color; g.beginPath(); g.moveTo(x(t), pad); g.lineTo(x(t), pad + H); g.stroke();
    // Labels stagger down the plot so that steps close in time stay readable.
    if (label) { g.fillStyle = color; g.font = "11px sans-serif"; g.fillText(label, x(t) + 3, pad + 12 + 13 * (labelled++ % 5)); }
  }
  g.strokeStyle = "#2e8b57";
  g.beginPath();
  for (const b of s.buckets) { const px = Math.round(x(b[0])) + 0.5; g.moveTo(px, y(b[2])); g.lineTo(px, y(b[1]) + 0.5); }
  g.stroke();
  g.fillStyle = "#556"; g.font = "11px sans-serif";
  g.fillText(String(hi), 4, pad - 8); g.fillText(String(lo), 4, pad + H + 14);
  info.textContent = iso(s.from_ns) + " — " + iso(s.to_ns) + " · " + s.buckets.length + " buckets of min/max";
  document.getElementById("plot-legend").textContent = "green: min–max per pixel · red: steps of the causal chain · orange: events of findings";
}

// ---- Start -------------------------------------------------------------------------------------------------

async function verify() {
  const box = document.getElementById("verify");
  box.replaceChildren(h("span", { text: "verifying (re-hashing every original)…" }));
  try {
    const v = await api("/api/verify");
    box.replaceChildren(h("span", { class: v.clean ? "ok" : "bad",
      text: v.clean ? "✔ verified: " + v.objects + " originals, " + v.custody_entries + " custody entries"
                    : "✘ does NOT verify: " + v.problems.join("; ") }));
  } catch (e) {
    box.replaceChildren(h("span", { class: "bad", text: "verify failed: " + e.message }));
  }
}

async function start() {
  state.token = sessionStorage.getItem("jikocho-token");
  if (route() === null) return;
  setupFilters();
  setupLanes();
  document.getElementById("verify-button").addEventListener("click", verify);
  try {
    state.info = await api("/api/case");
  } catch (e) {
    document.getElementById("case-title").textContent = "Could not open the case: " + e.message;
    return;
  }
  const i = state.info;
  document.getElementById("case-title").textContent = i.name + " — " + i.events + " events, " + i.samples + " samples, "
    + i.evidence.length + " evidence items, examiner " + i.examiner;
  const form = document.getElementById("filters");
  // The kinds, and their prefixes (ics, ics.modbus, auth, …), which filter on every kind under them.
  const counts = new Map();
  for (const k of i.kinds) {
    const parts = k.kind.split(".");
    for (let n = 1; n <= parts.length; n++) {
      const key = parts.slice(0, n).join(".") + (n < parts.length ? ".*" : "");
      counts.set(key, (counts.get(key) || 0) + k.count);
    }
  }
  form.elements.kind.append(...[...counts.keys()].sort().map(k =>
    h("option", { value: k.replace(/\.\*$/, ""), text: k + " (" + counts.get(k) + ")" })));
  form.elements.asset.append(...i.assets.map(a => h("option", { value: a, text: a })));
  window.addEventListener("hashchange", show);
  window.addEventListener("resize", () => { if (route() && route().view === "timeline") drawLanes(); });
  await show();
  document.body.dataset.ready = "yes";
}

document.addEventListener("DOMContentLoaded", start);
