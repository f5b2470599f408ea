// Renders the OpenAPI (Swagger 2.0) document of the Spona API. Written for
// this page; no third-party code.
"use strict";

const METHODS = ["get", "post", "put", "patch", "delete"];

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function resolve(doc, schema) {
  let s = schema || {};
  for (let i = 0; s.$ref && i < 10; i++) {
    s = doc.definitions[s.$ref.replace("#/definitions/", "")] || {};
  }
  return s;
}

function typeName(doc, schema) {
  if (!schema) return "";
  if (schema.$ref) return schema.$ref.replace("#/definitions/", "");
  if (schema.type === "array") return typeName(doc, schema.items) + "[]";
  return schema.format ? `${schema.type} (${schema.format})` : schema.type || "object";
}

function fieldsTable(doc, schema) {
  const s = resolve(doc, schema);
  const props = s.properties || {};
  const names = Object.keys(props);
  if (names.length === 0) return el("p", {}, typeName(doc, schema));
  const rows = names.map((n) => {
    const p = props[n];
    const r = resolve(doc, p);
    const en = (p.enum || r.enum || []).join(", ");
    return el("tr", {}, el("td", {}, el("code", {}, n)), el("td", {}, typeName(doc, p)),
      el("td", {}, p.description || r.description || p.title || "", en ? el("div", { class: "enum" }, en) : null));
  });
  return el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "field"), el("th", {}, "type"), el("th", {}, "description"))),
    el("tbody", {}, ...rows));
}

function operation(doc, path, method, op) {
  const body = el("div", { class: "body" });
  if (op.description) body.append(el("p", {}, op.description));
  const params = (op.parameters || []).filter((p) => p.in !== "body");
  if (params.length) {
    body.append(el("h4", {}, "Parameters"), el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, "name"), el("th", {}, "in"), el("th", {}, "type"), el("th", {}, "description"))),
      el("tbody", {}, ...params.map((p) => el("tr", {}, el("td", {}, el("code", {}, p.name), p.required ? " *" : ""),
        el("td", {}, p.in), el("td", {}, p.type + (p.format ? ` (${p.format})` : "")),
        el("td", {}, p.description || "", p.enum ? el("div", { class: "enum" }, p.enum.join(", ")) : null))))));
  }
  const bodyParam = (op.parameters || []).find((p) => p.in === "body");
  if (bodyParam) body.append(el("h4", {}, "Request body: ", el("code", {}, typeName(doc, bodyParam.schema))), fieldsTable(doc, bodyParam.schema));
  const ok = (op.responses || {})["200"];
  if (ok && ok.schema) body.append(el("h4", {}, "Response: ", el("code", {}, typeName(doc, ok.schema))), fieldsTable(doc, ok.schema));
  const d = el("details", { class: "op", id: op.operationId || `${method} ${path}`, "data-search": `${method} ${path} ${op.summary || ""} ${(op.tags || []).join(" ")}`.toLowerCase() },
    el("summary", {}, el("span", { class: `method ${method}` }, method.toUpperCase()), el("span", { class: "path" }, path),
      el("span", { class: "summary" }, op.summary || "")),
    body);
  return d;
}

function render(doc) {
  const main = document.getElementById("api");
  main.textContent = "";
  if (doc.info && doc.info.description) main.append(el("p", {}, doc.info.description));
  const byTag = new Map((doc.tags || []).map((t) => [t.name, { tag: t, ops: [] }]));
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const m of METHODS) {
      const op = item[m];
      if (!op) continue;
      const tag = (op.tags && op.tags[0]) || "Other";
      if (!byTag.has(tag)) byTag.set(tag, { tag: { name: tag }, ops: [] });
      byTag.get(tag).ops.push(operation(doc, path, m, op));
    }
  }
  let count = 0;
  for (const { tag, ops } of byTag.values()) {
    if (ops.length === 0) continue;
    count += ops.length;
    main.append(el("section", { class: "tag", id: `tag-${tag.name}` }, el("h2", {}, tag.name), tag.description ? el("p", {}, tag.description) : null, ...ops));
  }
  main.setAttribute("data-operations", String(count));
  document.getElementById("filter").addEventListener("input", (e) => {
    const q = e.target.value.trim().toLowerCase();
    for (const op of main.querySelectorAll("details.op")) op.classList.toggle("hidden", q !== "" && !op.dataset.search.includes(q));
  });
}

fetch("/openapi.json")
  .then((r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r.json(); })
  .then(render)
  .catch((e) => { document.getElementById("status").textContent = `Could not load the API description: ${e.message}`; });
