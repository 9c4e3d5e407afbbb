import { Hono } from "hono";
import { parseWorkflowDef } from "../../domain/definitions/check-workflow-def.ts";
import { TaskDefSchema } from "../../domain/definitions/task-def.ts";
import { parseOrThrow } from "../../domain/definitions/validate.ts";
import type { WorkflowDef } from "../../domain/definitions/workflow-def.ts";
import { ValidationError } from "../../domain/errors.ts";
import type { Engine } from "../../engine/engine.ts";
import * as Q from "./queries.ts";
import { parseQuery } from "./query.ts";
import { emptyOk, jsonBody, restSource } from "./request.ts";

/** What the metadata routes call on the engine, and nothing more. */
export type MetadataRoutesPort = Pick<Engine, "getTaskDef" | "getWorkflowDef" | "listTaskDefs" | "listWorkflowDefs" | "registerTaskDef" | "registerWorkflowDef" | "removeTaskDef" | "removeWorkflowDef" | "workflowDefWarnings">;

function requireArray(body: unknown, what: string): unknown[] {
  if (!Array.isArray(body)) {
    throw new ValidationError(`Invalid ${what}: expected a JSON array`, [{ path: "(body)", message: "expected a JSON array" }]);
  }
  if (body.length === 0) {
    throw new ValidationError(`Invalid ${what}: the list is empty`, [{ path: "(body)", message: "expected at least one item" }]);
  }
  return body;
}

/** Conductor's `WorkflowDefSummary`: a version without its body. */
const summaryOf = (def: WorkflowDef) => ({ name: def.name, version: def.version, createTime: def.createTime ?? null, updateTime: def.updateTime ?? null });

/** Conductor's WorkflowClassifier: `metadata.classifier`, else `agent` for agent SDK definitions, else `workflow`. */
function classifierOf(def: WorkflowDef): string {
  const metadata = def.metadata;
  if (metadata === null || typeof metadata !== "object") return "workflow";
  const fields = metadata as Record<string, unknown>;
  if (typeof fields.classifier === "string" && fields.classifier.trim() !== "") return fields.classifier;
  if (fields.agent_sdk != null || fields.agentDef != null) return "agent";
  return "workflow";
}

const byNameThenVersion = (a: WorkflowDef, b: WorkflowDef) => a.name.localeCompare(b.name) || a.version - b.version;

/**
 * Conductor's `/api/metadata`: workflow and task definitions. Literal paths
 * (`/workflow/validate`, `/workflow/names`, ...) are registered before
 * `/workflow/:name`, so a parameter route never answers them.
 */
export function metadataRoutes(engine: MetadataRoutesPort) {
  const app = new Hono();

  app.post("/workflow", async (c) => {
    const definition = parseWorkflowDef(await jsonBody(c));
    await engine.registerWorkflowDef(definition, parseQuery(c, Q.RegisterWorkflowDefQuery).overwrite, restSource(c));
    return emptyOk(c);
  });

  // Bulk create-or-update.
  app.put("/workflow", async (c) => {
    const items = requireArray(await jsonBody(c), "workflow definition list");
    const definitions = items.map((item, index) => parseWorkflowDef(item, `[${index}]`));
    const bulkSuccessfulResults: string[] = [];
    for (const definition of definitions) {
      await engine.registerWorkflowDef(definition, true, restSource(c));
      bulkSuccessfulResults.push(definition.name);
    }
    return c.json({ bulkErrorResults: {}, bulkSuccessfulResults, message: "" });
  });

  // Baton adds what it warns about (Conductor answers an empty 200); errors are a 400 as in Conductor.
  app.post("/workflow/validate", async (c) => {
    const definition = parseWorkflowDef(await jsonBody(c));
    return c.json({ valid: true, warnings: engine.workflowDefWarnings(definition) });
  });

  app.get("/workflow", (c) => {
    const classifier = parseQuery(c, Q.WorkflowDefsQuery).classifier?.trim();
    const all = engine.listWorkflowDefs();
    return c.json(classifier ? all.filter((def) => classifierOf(def).toLowerCase() === classifier.toLowerCase()) : all);
  });

  app.get("/workflow/names-and-versions", (c) => {
    const byName: Record<string, ReturnType<typeof summaryOf>[]> = {};
    for (const def of [...engine.listWorkflowDefs()].sort(byNameThenVersion)) (byName[def.name] ??= []).push(summaryOf(def));
    return c.json(byName);
  });

  app.get("/workflow/names", (c) => c.json([...new Set(engine.listWorkflowDefs().map((def) => def.name))].sort()));

  app.get("/workflow/latest-versions", (c) => {
    const latest = new Map<string, WorkflowDef>();
    for (const def of engine.listWorkflowDefs()) {
      const seen = latest.get(def.name);
      if (!seen || def.version > seen.version) latest.set(def.name, def);
    }
    return c.json([...latest.values()].sort(byNameThenVersion));
  });

  app.get("/workflow/:name/versions", (c) => {
    const name = c.req.param("name");
    return c.json(engine.listWorkflowDefs().filter((def) => def.name === name).sort(byNameThenVersion).map(summaryOf));
  });

  app.get("/workflow/:name", (c) => {
    const { version } = parseQuery(c, Q.WorkflowDefQuery);
    return c.json(engine.getWorkflowDef(c.req.param("name"), version));
  });

  app.delete("/workflow/:name/:version", async (c) => {
    const version = Number(c.req.param("version"));
    if (!Number.isInteger(version) || version < 1) {
      throw new ValidationError(`version: expected a whole number >= 1, got '${c.req.param("version")}'`, [
        { path: "version", message: "expected a whole number >= 1", invalidValue: c.req.param("version") },
      ]);
    }
    await engine.removeWorkflowDef(c.req.param("name"), version, restSource(c));
    return emptyOk(c);
  });

  app.post("/taskdefs", async (c) => {
    const items = requireArray(await jsonBody(c), "task definition list");
    const definitions = items.map((item, index) => parseOrThrow(TaskDefSchema, item, "task definition", `[${index}]`));
    for (const definition of definitions) await engine.registerTaskDef(definition, false, restSource(c));
    return emptyOk(c);
  });

  app.put("/taskdefs", async (c) => {
    const definition = parseOrThrow(TaskDefSchema, await jsonBody(c), "task definition");
    await engine.registerTaskDef(definition, true, restSource(c));
    return emptyOk(c);
  });

  app.get("/taskdefs", (c) => c.json(engine.listTaskDefs()));
  app.get("/taskdefs/:name", (c) => c.json(engine.getTaskDef(c.req.param("name"))));
  app.delete("/taskdefs/:name", async (c) => {
    await engine.removeTaskDef(c.req.param("name"), restSource(c));
    return emptyOk(c);
  });

  return app;
}

