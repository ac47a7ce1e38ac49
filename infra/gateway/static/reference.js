// Renders the merged OpenAPI document of the gateway as a readable reference.
// Vanilla JS, same origin only: nothing is loaded from the network but openapi.json.
"use strict";

const METHODS = ["get", "post", "put", "patch", "delete"];
const AUTH_TEXT = {
  "public": "public",
  "bearer": "bearer JWT",
  "stripe-signature": "Stripe signature",
};

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function refName(ref) {
  return ref.split("/").pop();
}

// A compact, readable rendering of a JSON schema: type expressions, nested objects
// indented, $refs expanded once (a cycle or a repeat shows the name only).
function describe(schema, doc, seen, depth) {
  if (!schema) return "any";
  if (schema.$ref) {
    const name = refName(schema.$ref);
    if (seen.has(name) || depth > 6) return name;
    const target = doc.components.schemas[name];
    const inner = describe(target, doc, new Set([...seen, name]), depth);
    return target && target.type === "object" ? `${name} ${inner}` : inner;
  }
  for (const key of ["anyOf", "oneOf", "allOf"]) {
    if (schema[key]) {
      const parts = schema[key].map((s) => describe(s, doc, seen, depth));
      return parts.join(key === "allOf" ? " & " : " | ");
    }
  }
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.type === "array") return `${describe(schema.items, doc, seen, depth)}[]`;
  if (schema.type === "object" || schema.properties) {
    const props = schema.properties || {};
    const required = new Set(schema.required || []);
    const pad = "  ".repeat(depth + 1);
    const lines = Object.entries(props).map(([name, prop]) => {
      const optional = required.has(name) ? "" : "?";
      return `${pad}${name}${optional}: ${describe(prop, doc, seen, depth + 1)}`;
    });
    if (!lines.length) return schema.additionalProperties ? "{ [key]: … }" : "{}";
    return `{\n${lines.join("\n")}\n${"  ".repeat(depth)}}`;
  }
  let text = schema.type || "any";
  if (schema.format) text += ` (${schema.format})`;
  return text;
}

function schemaBlock(content, doc) {
  const frag = document.createDocumentFragment();
  for (const [mediaType, media] of Object.entries(content || {})) {
    frag.append(el("div", { class: "muted" }, mediaType));
    frag.append(el("pre", { class: "schema" }, describe(media.schema, doc, new Set(), 0)));
  }
  return frag;
}

function operationView(path, method, op, doc) {
  const auth = op["x-credmarket-auth"] || ((op.security || []).length ? "bearer" : "public");
  const summary = el(
    "summary",
    {},
    el("span", { class: `method ${method}` }, method.toUpperCase()),
    el("span", { class: "path" }, path),
    el("span", { class: "summary" }, op.summary || ""),
    el("span", { class: `auth ${auth}`, title: "authentication" }, AUTH_TEXT[auth] || auth),
  );
  const body = el("div", { class: "body" });
  if (op.description) body.append(el("p", {}, op.description));
  const schemes = (op.security || []).flatMap((req) => Object.keys(req));
  body.append(
    el("p", { class: "muted" },
      "Authentication: ",
      schemes.length
        ? schemes.map((s) => {
            const scheme = doc.components.securitySchemes[s] || {};
            return `${s} (${scheme.scheme || scheme.in || scheme.type || "?"}${scheme.name ? ": " + scheme.name : ""})`;
          }).join(", ")
        : "none (public)",
      op["x-credmarket-service-path"] ? ` · service path ${op["x-credmarket-service-path"]}` : "",
    ),
  );
  const params = op.parameters || [];
  if (params.length) {
    body.append(el("h4", {}, "Parameters"));
    const table = el("table", {}, el("tr", {}, el("th", {}, "name"), el("th", {}, "in"),
      el("th", {}, "type"), el("th", {}, "required"), el("th", {}, "description")));
    for (const p of params) {
      table.append(el("tr", {},
        el("td", {}, el("code", {}, p.name)), el("td", {}, p.in),
        el("td", {}, el("code", {}, describe(p.schema, doc, new Set(), 0))),
        el("td", {}, p.required ? "yes" : "no"), el("td", {}, p.description || "")));
    }
    body.append(table);
  }
  if (op.requestBody) {
    body.append(el("h4", {}, `Request body${op.requestBody.required ? "" : " (optional)"}`));
    body.append(schemaBlock(op.requestBody.content, doc));
  }
  body.append(el("h4", {}, "Responses"));
  for (const [status, response] of Object.entries(op.responses || {})) {
    body.append(el("div", {}, el("span", { class: "status" }, status), " ", response.description || ""));
    const problems = Object.values(((response.content || {})["application/problem+json"] || {}).examples || {});
    if (problems.length) {
      body.append(el("ul", { class: "problems" }, ...problems.map((e) =>
        el("li", {}, el("a", { href: `#problem-${e.value.type}` }, el("code", {}, e.value.type)), ` ${e.value.title}`))));
    } else {
      body.append(schemaBlock(response.content, doc));
    }
  }
  const details = el("details", { class: "operation", "data-service": op.tags ? op.tags[0] : "" }, summary, body);
  details.dataset.search = `${method} ${path} ${op.summary || ""} ${auth}`.toLowerCase();
  return details;
}

function render(doc) {
  const main = document.getElementById("reference");
  const nav = document.getElementById("services");
  main.textContent = "";
  const groups = new Map((doc.tags || []).map((t) => [t.name, { tag: t, ops: [] }]));
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = (op.tags && op.tags[0]) || "other";
      if (!groups.has(tag)) groups.set(tag, { tag: { name: tag }, ops: [] });
      groups.get(tag).ops.push([path, method, op]);
    }
  }
  for (const { tag, ops } of groups.values()) {
    if (!ops.length) continue;
    const section = el("section", { class: "service", id: `service-${tag.name}` },
      el("h2", {}, tag.name), tag.description ? el("p", { class: "description" }, tag.description) : null);
    for (const [path, method, op] of ops) section.append(operationView(path, method, op, doc));
    main.append(section);
    nav.append(el("a", { href: `#service-${tag.name}` }, `${tag.name} (${ops.length})`));
  }
  main.append(problemCatalogue(doc));
  nav.append(el("a", { href: "#problems" }, "problem types"));
  document.body.dataset.rendered = "true";
}

// Every error answer is application/problem+json with a `type` from this catalogue
// (docs/api-style.md): a client branches on `type`, shows `title`, logs `detail`.
function problemCatalogue(doc) {
  const types = doc["x-credmarket-problem-types"] || [];
  const table = el("table", { id: "problem-types" }, el("tr", {}, el("th", {}, "type"),
    el("th", {}, "status"), el("th", {}, "title"), el("th", {}, "meaning")));
  for (const t of types) {
    table.append(el("tr", { id: `problem-${t.type}` }, el("td", {}, el("code", {}, t.type)),
      el("td", {}, String(t.status)), el("td", {}, t.title), el("td", {}, t.description)));
  }
  return el("section", { class: "service", id: "problems" }, el("h2", {}, "Problem types"),
    el("p", { class: "description" }, "Every error is RFC 9457 application/problem+json; " +
      "its type is one of these, and its title is always the one listed here."), table);
}

document.getElementById("filter").addEventListener("input", (event) => {
  const words = event.target.value.toLowerCase().split(/\s+/).filter(Boolean);
  for (const op of document.querySelectorAll("details.operation")) {
    const match = words.every((w) => op.dataset.search.includes(w));
    op.classList.toggle("hidden", !match);
  }
});

fetch("openapi.json", { cache: "no-cache" })
  .then((response) => {
    if (!response.ok) throw new Error(`openapi.json: HTTP ${response.status}`);
    return response.json();
  })
  .then(render)
  .catch((error) => {
    document.getElementById("status").textContent =
      `Could not load the merged OpenAPI document (${error.message}). ` +
      "It is written by `credmarket-stack up`, or by " +
      "`uv run python -m credmarket_infra.gateway.openapi_merge --out .stack/gateway/openapi.json`.";
    document.body.dataset.rendered = "error";
  });
