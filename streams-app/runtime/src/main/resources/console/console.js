// Aurum steward console: plain JavaScript over the /api endpoints of any Aurum instance.
"use strict";

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
  return e;
};

let current = null; // the customer on screen (the /api/customers answer)

async function api(path, body) {
  const res = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)
  });
  const json = await res.json();
  if (!res.ok) throw new Error(json.error || res.statusText);
  return json;
}

// ---- Tabs ----
document.querySelectorAll(".tab").forEach((t) => t.addEventListener("click", () => {
  document.querySelectorAll(".tab").forEach((x) => x.classList.toggle("active", x === t));
  document.querySelectorAll(".panel").forEach((p) => p.classList.toggle("hidden", p.id !== t.dataset.tab));
  if (t.dataset.tab === "health") loadHealth();
}));

// ---- Search ----
$("#search-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const q = $("#search").value.trim();
  if (!q) return;
  const r = await listResults(q);
  if (r.results.length === 1) openCustomer(r.results[0].id);
});

// The result list of the last search; refreshed with the customer, so that counts stay current after an action.
let lastQuery = null;
async function listResults(q) {
  lastQuery = q;
  const r = await api("/api/search?q=" + encodeURIComponent(q));
  $("#search-info").textContent = `${r.results.length} found by ${r.by}${r.loading ? " (still loading the view)" : ""}`;
  const body = $("#results tbody");
  body.replaceChildren();
  for (const c of r.results) {
    body.append(el("tr", {"data-id": c.id, class: "result", onclick: () => openCustomer(c.id)},
      el("td", {}, el("strong", {}, c.name || "(no name)"), el("br"), el("code", {class: "muted"}, c.id)),
      el("td", {}, c.email || ""), el("td", {}, c.phone || ""), el("td", {}, String(c.members)),
      el("td", {}, c.systems), el("td", {}, String(c.openConflicts))));
  }
  $("#results").classList.toggle("hidden", r.results.length === 0);
  return r;
}

// ---- One customer ----
async function openCustomer(id) {
  current = await api("/api/customers/" + encodeURIComponent(id));
  render();
}

async function refresh() {
  if (!current) return null;
  const id = current.redirectedFrom || current.golden.id;
  try {
    current = await api("/api/customers/" + encodeURIComponent(id));
  } catch (e) {
    return null;
  }
  render();
  if (lastQuery) {
    try { await listResults(lastQuery); } catch (e) { /* the customer view is what matters here */ }
  }
  return current;
}

function render() {
  const c = current;
  const g = c.golden;
  $("#customer").classList.remove("hidden");
  $("#customer-name").textContent = g.name || "(no name)";
  $("#customer-id").textContent = g.id;
  $("#redirected").textContent = c.redirectedFrom ? `${c.redirectedFrom} now leads here` : "";
  $("#redirected").classList.toggle("hidden", !c.redirectedFrom);

  const fields = $("#fields tbody");
  fields.replaceChildren();
  const order = c.fields.filter((f) => g.lineage[f]).concat(Object.keys(g.lineage).filter((f) => !c.fields.includes(f)));
  for (const name of order) {
    const l = g.lineage[name];
    let value = g[name];
    if (Array.isArray(value)) value = value.join(", ");
    const from = l.source ? (l.key ? `${l.source}:${l.key}` : l.source) : "";
    const rule = l.rule === "override" ? el("span", {class: "override"}, `override by ${l.who}` + (l.why ? ` (${l.why})` : ""))
                                       : el("span", {class: "rule"}, l.rule);
    fields.append(el("tr", {"data-field": name},
      el("td", {}, name), el("td", {class: "value"}, value === null || value === undefined ? "—" : String(value)),
      el("td", {class: "rule-cell"}, rule), el("td", {}, from), el("td", {class: "muted"}, l.raw || ""),
      el("td", {class: "muted"}, l.sourceTs && !l.sourceTs.startsWith("1970") ? l.sourceTs.replace("T", " ").replace("Z", "") : "")));
  }

  const members = $("#members tbody");
  members.replaceChildren();
  for (const m of c.members) {
    members.append(el("tr", {"data-record": m.record},
      el("td", {}, el("input", {type: "checkbox", class: "pick", value: m.record})),
      el("td", {}, el("code", {}, m.record)), el("td", {}, m.system), el("td", {class: "reason"}, m.reason || "")));
  }

  const conflicts = $("#conflicts");
  conflicts.replaceChildren();
  for (const x of c.conflicts) {
    const values = Object.entries(x.values).map(([r, v]) => `${r} → ${v}`).join("; ");
    conflicts.append(el("li", {"data-field": x.field, class: "kind-" + x.kind},
      el("strong", {}, x.field), ` (${x.kind}): ${x.description || ""}`, el("br"),
      el("span", {class: "muted"}, x.kind === "value" ? `golden ${x.winner}; others: ${values}` : values)));
  }
  if (!c.conflicts.length) conflicts.append(el("li", {class: "muted"}, "none"));

  const quality = $("#quality");
  quality.replaceChildren();
  for (const q of c.quality) quality.append(el("li", {}, `${q.identifier}: ${q.kind}, ${q.records} records (limit ${q.limit})`));
  if (!c.quality.length) quality.append(el("li", {class: "muted"}, "none"));

  const history = $("#history");
  history.replaceChildren();
  for (const m of c.mergedIn) history.append(el("li", {}, el("code", {}, m.id), ` (${m.record}) merged in: ${m.reason || ""}`));
  if (c.splitInto.length) history.append(el("li", {}, "split off: " + c.splitInto.join(", ")));
  if (!c.mergedIn.length && !c.splitInto.length) history.append(el("li", {class: "muted"}, "none"));

  const fieldSelect = $("#override-field");
  const chosen = fieldSelect.value;
  fieldSelect.replaceChildren(...c.fields.map((f) => el("option", {value: f}, f)));
  if (chosen) fieldSelect.value = chosen;
  const target = $("#override-target");
  const chosenTarget = target.value;
  target.replaceChildren(el("option", {value: "golden:" + g.id}, "this golden id"),
    ...c.members.map((m) => el("option", {value: m.record}, "follow " + m.record)));
  if (chosenTarget) target.value = chosenTarget;

  const decisions = $("#decisions tbody");
  decisions.replaceChildren();
  for (const a of c.assertions) {
    decisions.append(el("tr", {"data-key": a.key},
      el("td", {}, a.type || "assertion"), el("td", {}, el("code", {}, a.key)), el("td", {}, (a.records || []).join(" + ")),
      el("td", {}, a.who || ""), el("td", {}, a.why || ""), el("td", {class: "pipeline"}, a.refused ? "refused: " + a.refused : "applied"),
      el("td", {}, el("button", {class: "small retract", type: "button", onclick: () => retract("assertion", a.key)}, "Retract"))));
  }
  for (const o of c.overrides) {
    decisions.append(el("tr", {"data-key": o.key},
      el("td", {}, "override"), el("td", {}, el("code", {}, o.key)), el("td", {}, `${o.field} = ${o.value} on ${o.target}`),
      el("td", {}, o.who || ""), el("td", {}, o.why || ""), el("td", {class: "pipeline"}, o.refused ? "refused: " + o.refused : "applied"),
      el("td", {}, el("button", {class: "small retract", type: "button", onclick: () => retract("override", o.key)}, "Retract"))));
  }
  if (!c.assertions.length && !c.overrides.length) decisions.append(el("tr", {}, el("td", {colspan: 7, class: "muted"}, "no steward decision on this customer")));
}

// ---- Actions: write, then watch the pipeline until the result shows ----
function status(text, kind) {
  const s = $("#status");
  s.textContent = text;
  s.className = "status" + (kind ? " " + kind : "");
}

function who() {
  const w = $("#who").value.trim();
  if (!w) { status("Enter your name as steward first (top right).", "failed"); throw new Error("no steward"); }
  return w;
}

async function until(what, check, seconds = 60) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 700));
    const c = await refresh();
    if (c && check(c)) return true;
  }
  return false;
}

function picked() {
  const records = [...document.querySelectorAll(".pick:checked")].map((x) => x.value);
  const other = $("#link-other").value.trim();
  if (other) records.push(other);
  return records;
}

async function recordGolden(record) {
  const r = await api("/api/search?q=" + encodeURIComponent(record));
  return r.results.length ? r.results[0].id : null;
}

async function link(type) {
  const records = picked();
  const body = {records, who: who(), why: $("#link-why").value.trim()};
  let w;
  try {
    w = await api(type === "must_link" ? "/api/must-link" : "/api/cannot-link", body);
  } catch (e) { status("Refused: " + e.message, "failed"); return; }
  status(`Written to ${w.topic} (key ${w.key}). Waiting for the pipeline…`);
  const ok = await waitLink(type, records, w.key);
  if (ok) status(type === "must_link"
    ? `Done: ${records.join(" and ")} are one customer (${w.key}).`
    : `Done: ${records.join(" and ")} are kept apart (${w.key}).`, "done");
}

async function waitLink(type, records, key) {
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 800));
    await refresh();
    const a = current.assertions.find((x) => x.key === key);
    if (a && a.refused) { status(`Written to customers.assertions (key ${key}), but the pipeline refused it: ${a.refused}`, "failed"); return false; }
    if (!a) continue;
    const ids = await Promise.all(records.map(recordGolden));
    const same = ids.every((i) => i && i === ids[0]);
    // Linked by the assertion itself: each record's explanation names it (assertions sort first among identifiers).
    const explained = records.every((r) => {
      const m = current.members.find((x) => x.record === r);
      return m && m.reason && m.reason.includes(key);
    });
    if (type === "must_link" ? same && explained : (!same && ids.every((i) => i))) return true;
  }
  status(`Written to customers.assertions (key ${key}); the pipeline has not applied it yet.`, "failed");
  return false;
}

async function override() {
  const field = $("#override-field").value;
  const raw = $("#override-value").value;
  const value = raw === "" ? null : (/^-?\d+$/.test(raw) ? Number(raw) : raw);
  const target = $("#override-target").value;
  const body = {field, value, who: who(), why: $("#override-why").value.trim()};
  if (target.startsWith("golden:")) body.goldenId = target.slice(7); else body.record = target;
  let w;
  try { w = await api("/api/override", body); } catch (e) { status("Refused: " + e.message, "failed"); return; }
  status(`Written to ${w.topic} (key ${w.key}). Waiting for the pipeline…`);
  const ok = await until("override", (c) => c.golden.lineage[field] && c.golden.lineage[field].rule === "override"
      && String(c.golden[field]) === String(value));
  status(ok ? `Done: ${field} is now "${value}" (override ${w.key}).` : `Written (key ${w.key}); not reflected yet.`, ok ? "done" : "failed");
}

async function retract(kind, key) {
  let w;
  try { w = await api("/api/retract", {kind, key, who: who(), why: "retracted in the console"}); }
  catch (e) { status("Refused: " + e.message, "failed"); return; }
  status(`Tombstone written to ${w.topic} (key ${key}). Waiting for the pipeline…`);
  const field = key.slice(key.lastIndexOf("/") + 1);
  const gone = (c) => !(kind === "assertion" ? c.assertions : c.overrides).some((x) => x.key === key)
      && (kind !== "override" || !c.golden.lineage[field] || c.golden.lineage[field].rule !== "override");
  const ok = await until("retract", gone);
  status(ok ? `Done: ${kind} ${key} retracted.` : `Tombstone written (key ${key}); not reflected yet.`, ok ? "done" : "failed");
}

$("#must-link").addEventListener("click", () => link("must_link").catch(() => {}));
$("#cannot-link").addEventListener("click", () => link("cannot_link").catch(() => {}));
$("#override").addEventListener("click", () => override().catch(() => {}));

// ---- Data health ----
function bars(container, rows, label, value) {
  const max = Math.max(1, ...rows.map(value));
  const h = 24, w = 560, left = 200;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("width", w + left + 60);
  svg.setAttribute("height", Math.max(1, rows.length) * h + 4);
  rows.forEach((r, i) => {
    const y = i * h + 2;
    const len = Math.round((value(r) / max) * w);
    svg.insertAdjacentHTML("beforeend",
      `<text x="0" y="${y + 16}">${escape(label(r))}</text>` +
      `<rect x="${left}" y="${y + 3}" width="${Math.max(len, 1)}" height="${h - 8}" fill="#2f6fde" rx="2"></rect>` +
      `<text x="${left + len + 6}" y="${y + 16}">${value(r)}</text>`);
  });
  container.replaceChildren(rows.length ? svg : el("p", {class: "muted"}, "none"));
}

function escape(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
}

async function loadHealth() {
  const h = await api("/api/health-data");
  $("#health-loading").textContent = h.loading ? "Still loading the view…" : "";
  $("#totals").replaceChildren(String(h.customers), el("small", {}, `${h.records} source records; ${h.merged} merged into another`));
  $("#dangling").replaceChildren(h.danglingLinks === null ? "—" : String(h.danglingLinks),
    el("small", {}, h.danglingLinks === null ? "not reported by this version of the resolver" : "links to records that do not exist"));
  bars($("#chart-systems"), h.systems, (r) => `${r.system} (${r.records} records)`, (r) => r.duplicatesMerged);
  bars($("#chart-conflicts"), Object.entries(h.conflictsByField), (r) => r[0], (r) => r[1]);
  const hubs = $("#hubs tbody");
  hubs.replaceChildren(...h.quality.map((q) => el("tr", {}, el("td", {}, q.identifier), el("td", {}, q.kind), el("td", {}, String(q.records)), el("td", {}, String(q.limit)))));
  if (!h.quality.length) hubs.append(el("tr", {}, el("td", {colspan: 4, class: "muted"}, "none")));
  const dl = $("#dead-letters tbody");
  dl.replaceChildren(...h.deadLetters.map((d) => el("tr", {}, el("td", {}, d.stage), el("td", {}, d.reason), el("td", {}, String(d.count)))));
  if (!h.deadLetters.length) dl.append(el("tr", {}, el("td", {colspan: 3, class: "muted"}, "none")));
  const recent = $("#recent-letters tbody");
  recent.replaceChildren(...h.recentLetters.map((d) => el("tr", {}, el("td", {}, el("code", {}, d.id)), el("td", {}, d.at.replace("T", " ").slice(0, 19)),
    el("td", {}, d.stage), el("td", {}, d.input), el("td", {}, d.key || ""), el("td", {}, d.replayed ? "yes" : ""))));
}
