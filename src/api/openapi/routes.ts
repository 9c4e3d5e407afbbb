/**
 * `/api-docs` (the OpenAPI description as JSON), `/api-docs/ui` (a page that
 * lists every operation with its parameters and body schema) and its script.
 * The page loads nothing from elsewhere: the script is served here, and the
 * content security policy says so.
 */
import { Hono } from "hono";
import { openApiDocument } from "./document.ts";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Baton REST API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 70rem; padding: 1rem 2rem; color: #1d2433; }
h2 { margin-top: 2rem; border-bottom: 1px solid #d5dae3; text-transform: capitalize; }
details { border: 1px solid #d5dae3; border-radius: 4px; margin: .3rem 0; }
summary { cursor: pointer; padding: .35rem .6rem; }
.method { display: inline-block; width: 4.5rem; font-weight: 600; font-family: ui-monospace, monospace; }
.get { color: #0a6e31; } .post { color: #1d4fb8; } .put { color: #8a5a00; } .delete { color: #b3261e; } .options { color: #666; }
code, pre { font-family: ui-monospace, monospace; font-size: 12px; }
pre { background: #f5f7fa; padding: .6rem; overflow: auto; max-height: 30rem; margin: 0 .6rem .6rem; }
.body { padding: 0 .6rem .6rem; }
input { width: 100%; padding: .4rem; font-size: 14px; box-sizing: border-box; }
</style>
</head>
<body>
<h1>Baton REST API</h1>
<p>The OpenAPI 3.1 description is at <a href="/api-docs"><code>/api-docs</code></a>; this page lists it.</p>
<input id="filter" placeholder="Filter by path or summary" aria-label="Filter operations">
<div id="operations">Loading…</div>
<script src="/api-docs/ui.js"></script>
</body>
</html>
`;

const SCRIPT = `"use strict";
(async () => {
  const doc = await (await fetch("/api-docs")).json();
  const root = document.getElementById("operations");
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    Object.assign(node, attrs || {});
    for (const child of children) node.append(child);
    return node;
  };
  const resolve = (schema) => {
    const ref = schema && schema.$ref;
    return ref ? doc.components.schemas[ref.split("/").pop()] : schema;
  };
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = op.tags[0];
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push({ path, method, op });
    }
  }
  root.textContent = "";
  for (const [tag, ops] of byTag) {
    root.append(el("h2", { textContent: tag }));
    for (const { path, method, op } of ops) {
      const details = el("details", { className: "op" });
      details.dataset.text = (method + " " + path + " " + op.summary).toLowerCase();
      details.append(el("summary", {}, el("span", { className: "method " + method, textContent: method.toUpperCase() }), el("code", { textContent: path }), " " + op.summary));
      const body = el("div", { className: "body" });
      if (op.parameters) body.append(el("p", { textContent: "Parameters: " + op.parameters.map((p) => p.name + " (" + p.in + ")").join(", ") }));
      const request = op.requestBody && op.requestBody.content["application/json"].schema;
      if (request) {
        const shown = request.type === "array" ? { type: "array", items: resolve(request.items) } : resolve(request);
        body.append(el("p", { textContent: "Request body:" }), el("pre", { textContent: JSON.stringify(shown, null, 2) }));
      }
      details.append(body);
      root.append(details);
    }
  }
  document.getElementById("filter").addEventListener("input", (event) => {
    const text = event.target.value.toLowerCase();
    for (const details of root.querySelectorAll("details.op")) details.hidden = text !== "" && !details.dataset.text.includes(text);
  });
})().catch((error) => { document.getElementById("operations").textContent = "Could not load /api-docs: " + error; });
`;

export function apiDocsRoutes() {
  const app = new Hono();
  app.get("/api-docs", (c) => c.json(openApiDocument()));
  app.get("/api-docs/ui", (c) =>
    c.html(PAGE, 200, { "content-security-policy": "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'" }),
  );
  app.get("/api-docs/ui.js", (c) => c.body(SCRIPT, 200, { "content-type": "text/javascript; charset=utf-8" }));
  return app;
}
