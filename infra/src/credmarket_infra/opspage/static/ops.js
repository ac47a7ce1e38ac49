// The ops page: polls the API with the ops token kept in sessionStorage.
// Everything from the API is put in the DOM as text, never as HTML.
"use strict";

const TOKEN_KEY = "credmarket-ops-token";
const POLL_MS = 3000;
let pollTimer = null;

const $ = (id) => document.getElementById(id);

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

function row(cells, attrs = {}) {
  const tr = el("tr", null, attrs);
  for (const cell of cells) {
    tr.append(cell instanceof Node ? wrapCell(cell) : el("td", cell));
  }
  return tr;
}

function wrapCell(node) {
  if (node.tagName === "TD" || node.tagName === "TH") return node;
  const td = el("td");
  td.append(node);
  return td;
}

function shortType(type) {
  if (!type) return "(undecodable)";
  const parts = type.split(".");
  return parts[0] === "credmarket" && parts.length > 3 ? parts.slice(2).join(".") : type;
}

class Unauthorized extends Error {}

async function api(path, options = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401) throw new Unauthorized("the token was not accepted");
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new Error((body && (body.detail || body.title)) || `HTTP ${response.status}`);
  }
  return body;
}

function showLogin(message) {
  stopPolling();
  $("dashboard").hidden = true;
  $("logout").hidden = true;
  $("who").textContent = "";
  $("login").hidden = false;
  $("login-error").textContent = message || "";
}

async function start() {
  try {
    const me = await api("/api/whoami");
    $("who").textContent = `${me.name || me.subject} (${me.role})`;
  } catch (error) {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin(error.message);
    return;
  }
  $("login").hidden = true;
  $("dashboard").hidden = false;
  $("logout").hidden = false;
  await refresh();
  stopPolling();
  pollTimer = setInterval(refresh, POLL_MS);
}

function stopPolling() {
  if (pollTimer !== null) clearInterval(pollTimer);
  pollTimer = null;
}

async function refresh() {
  try {
    const [flow, lag, letters] = await Promise.all([
      api("/api/flow"), api("/api/lag"), api("/api/dlq"),
    ]);
    renderFlow(flow);
    renderLag(lag);
    renderDeadLetters(letters);
    // Apart: catalog being away must not blank the broker's view.
    api("/api/webhooks").then(renderWebhooks, (error) => {
      $("webhook-message").textContent = `webhooks: ${error.message}`;
    });
    $("status").textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    if (error instanceof Unauthorized) return showLogin("session expired: log in again");
    $("status").textContent = `refresh failed: ${error.message}`;
  }
}

function renderFlow(flow) {
  $("flow-window").textContent = `(per minute, UTC, ${flow.minutes[0]}–${flow.minutes.at(-1)})`;
  const holder = $("flow-tables");
  holder.replaceChildren();
  const topics = Object.keys(flow.counts).sort();
  if (!topics.length) holder.append(el("p", "no events in this window", { class: "muted" }));
  for (const topic of topics) {
    const table = el("table", null, { "data-topic": topic });
    const head = el("tr");
    head.append(el("th", topic));
    for (const minute of flow.minutes) head.append(el("th", minute));
    head.append(el("th", "total"));
    table.append(head);
    for (const [type, perMinute] of Object.entries(flow.counts[topic]).sort()) {
      const tr = el("tr", null, { "data-type": type });
      tr.append(el("td", shortType(type)));
      for (const minute of flow.minutes) {
        tr.append(el("td", perMinute[minute] || "", { class: "n" }));
      }
      const total = Object.values(perMinute).reduce((sum, n) => sum + n, 0);
      tr.append(el("td", total, { class: "n total" }));
      table.append(tr);
    }
    holder.append(table);
  }
  const list = $("recent-events");
  list.replaceChildren();
  for (const event of flow.recent) {
    const item = el("li", null, { "data-event-id": event.id || "", "data-type": event.type || "" });
    const label = event.decoded ? shortType(event.type) : `undecodable: ${event.problem}`;
    item.append(el("span", `${event.time} `, { class: "muted" }));
    item.append(el("strong", label, { class: event.decoded ? "" : "bad" }));
    item.append(el("span", ` ${event.topic}[${event.partition}]@${event.offset} subject=${event.subject}`));
    list.append(item);
  }
}

function renderWebhooks(overview) {
  $("webhook-message").textContent = "";
  const oldest = overview.oldest_pending_at ? `, oldest ${overview.oldest_pending_at}` : "";
  $("webhook-backlog").textContent =
    `(${overview.pending} pending${oldest}; ${overview.failed_last_day} given up in a day)`;
  const body = $("webhook-rows");
  body.replaceChildren();
  const rows = [
    ...overview.failing_endpoints.map((h) => [h, "failing", "warn"]),
    ...overview.disabled_endpoints.map((h) => [h, "disabled", "bad"]),
  ];
  if (!rows.length) {
    body.append(row([el("td", "every endpoint delivers", { class: "ok", colspan: 7 })]));
  }
  for (const [health, state, css] of rows) {
    const e = health.endpoint;
    body.append(row([
      e.id, e.provider_id, e.url, el("td", state, { class: css }),
      e.failing_since || "—", el("td", health.pending, { class: "n" }), e.last_error || "",
    ], { "data-endpoint": e.id }));
  }
}

function renderLag(report) {
  $("lag-total").textContent = `(total ${report.total})`;
  const body = $("lag-rows");
  body.replaceChildren();
  for (const [group, lag] of Object.entries(report.groups)) {
    const mine = report.partitions.filter((p) => p.group === group && (p.lag > 0 || p.stuck));
    // A stuck partition's next record keeps failing: say since when and why.
    const behind = mine
      .map((p) => {
        const where = `${p.topic}[${p.partition}]: ${p.lag}`;
        if (!p.stuck) return where;
        return `${where} STUCK since ${p.stuck.stuck_since} (${p.stuck.attempts} attempts, ` +
          `${p.stuck.failure}): ${p.stuck.event_type} ${p.stuck.error}`;
      })
      .join(", ");
    const stuck = mine.some((p) => p.stuck);
    const lagCell = el("td", lag, { class: `n ${stuck ? "bad" : lag ? "warn" : "ok"}` });
    const behindCell = el("td", behind || "—", stuck ? { class: "bad" } : {});
    body.append(row([group, lagCell, behindCell], { "data-group": group }));
  }
}

function renderDeadLetters(letters) {
  const body = $("dlq-rows");
  body.replaceChildren();
  if (!letters.length) body.append(row([el("td", "no dead letters", { colspan: "7" })]));
  for (const letter of letters) {
    const origin = `${letter.origin.topic}/${letter.origin.partition}/${letter.origin.offset}`;
    const action = el("td", null, { class: "action" });
    if (letter.replayed) {
      action.append(el("span", `replayed ${letter.replayed.replayed_at}`, { class: "ok replayed" }));
    } else {
      const button = el("button", "Replay", { class: "replay" });
      button.addEventListener("click", () => replayLetter(letter, button));
      action.append(button);
    }
    body.append(row(
      [letter.key, letter.group || "", el("td", letter.reason, { class: "bad" }),
       shortType(letter.type), origin, el("td", letter.error, { class: "muted" }), action],
      { "data-dlq-key": letter.key },
    ));
  }
}

async function replayLetter(letter, button) {
  button.disabled = true;
  try {
    const outcome = await api("/api/dlq/replay", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        dlq_topic: letter.dlq_topic, partition: letter.partition, offset: letter.offset,
      }),
    });
    $("dlq-message").textContent = `${letter.key}: ${outcome.message}`;
  } catch (error) {
    if (error instanceof Unauthorized) return showLogin("session expired: log in again");
    $("dlq-message").textContent = `${letter.key}: ${error.message}`;
  }
  await refresh();
}

async function traceQuery(query) {
  const holder = $("trace-result");
  holder.replaceChildren(el("p", "tracing…", { class: "muted" }));
  let trace;
  try {
    trace = await api(`/api/trace/${encodeURIComponent(query)}`);
  } catch (error) {
    if (error instanceof Unauthorized) return showLogin("session expired: log in again");
    holder.replaceChildren(el("p", error.message, { class: "error" }));
    return;
  }
  holder.replaceChildren();
  if (!trace.hops.length) {
    holder.append(el("p", `no events found for ${trace.query}`, { class: "warn" }));
    return;
  }
  holder.append(el("p", `correlation ${trace.correlation_ids.join(", ")}: ${trace.hops.length} events`));
  const table = el("table", null, { id: "trace-table" });
  table.append(row(["#", "time", "hop", "topic", "event", "subject", "handled by"].map((h) => el("th", h))));
  trace.hops.forEach((hop, i) => {
    const handled = el("td");
    for (const g of hop.groups) {
      const cls = g.status === "handled" ? "ok" : g.status === "pending" ? "warn" : "bad";
      const mark = g.status === "handled" ? "✓" : g.status === "pending" ? "…" : "✗";
      handled.append(el("div", `${g.group} ${mark} ${g.status}`, { class: cls }));
    }
    for (const d of hop.dead_letters) handled.append(el("div", `→ ${d.key} (${d.reason})`, { class: "bad" }));
    const hopLabel = hop.since_previous_ms === null ? "start" : `+${hop.since_previous_ms} ms`;
    table.append(row(
      [i + 1, hop.time, hopLabel, `${hop.topic}[${hop.partition}]@${hop.offset}`,
       hop.decoded ? shortType(hop.type) : `undecodable: ${hop.problem}`, hop.subject || "", handled],
      { "data-event-id": hop.id || "" },
    ));
  });
  holder.append(table);
}

document.addEventListener("DOMContentLoaded", () => {
  $("login").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
    $("token").value = "";
    start();
  });
  $("logout").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin("");
  });
  $("trace-form").addEventListener("submit", (event) => {
    event.preventDefault();
    traceQuery($("trace-query").value.trim());
  });
  if (sessionStorage.getItem(TOKEN_KEY)) start();
  else showLogin("");
});
