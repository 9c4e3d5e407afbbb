/**
 * The ingestion service, kept compatible with the original seed endpoints and
 * mounted at the app root: `POST /workflow/deploy` stores a run's input and its
 * tasks' service configurations in the object store under `runs/<id>/`,
 * rewrites the task inputs to point at them, registers the definition and
 * optionally starts it; `POST /retry-workflow` reruns a workflow inside Baton
 * from a task reference's latest attempt.
 *
 * Nothing half-written: everything that can be refused (request shape, XML,
 * the input file's existence, a taken run id) is checked before the first
 * write, and a failure after it deletes what the run had written.
 */
import { Hono } from "hono";
import { copyBetween } from "../../adapters/storage/copy-between.ts";
import { parseWorkflowDef } from "../../domain/definitions/check-workflow-def.ts";
import { parseOrThrow } from "../../domain/definitions/validate.ts";
import type { WorkflowTask } from "../../domain/definitions/workflow-def.ts";
import { ConflictError, ValidationError } from "../../domain/errors.ts";
import { DeployRequestSchema, RetryRequestSchema } from "../../domain/ingestion/requests.ts";
import { extractServiceConfigs, rewriteTaskInputs, walkTasks } from "../../domain/ingestion/service-configs.ts";
import type { ObjectStore } from "../../domain/ports.ts";
import type { Engine } from "../../engine/engine.ts";
import { jsonBody, restSource } from "./request.ts";

/** What the ingestion service call on the engine, and nothing more. */
export type IngestionPort = Pick<Engine, "hasWorkflow" | "loadWorkflow" | "registerWorkflowDef" | "rerun" | "startWorkflow">;

export interface IngestionDeps {
  engine: IngestionPort;
  /** Where runs are stored. */
  objects: ObjectStore;
  /** The MinIO raw-data bucket input files may be copied from, when configured. */
  rawData?: ObjectStore;
  /** The raw-data bucket's name, as workflow inputs name it (default `raw-data`). */
  rawDataBucket?: string;
  newId?: () => string;
}

/** Where a run's input file comes from. */
type InputSource =
  | { kind: "raw-data"; key: string; field: string }
  | { kind: "objects"; key: string; field: string }
  | { kind: "inline"; content: string }
  | { kind: "none" };

const encoder = new TextEncoder();

function inputSourceOf(input: Record<string, unknown>, rawDataBucket: string): InputSource {
  const file = input.input_file;
  if (file !== undefined && file !== null) {
    const field = "input.input_file";
    if (typeof file !== "string" || file.trim() === "") {
      throw new ValidationError(`${field} must be a non-empty string`, [{ path: field, message: "expected a file name", invalidValue: file }]);
    }
    const raw = new RegExp(`^(?:(?:s3|minio)://)?${rawDataBucket.replace(/[.]/g, "\\.")}/(.+)$`).exec(file);
    if (raw) return { kind: "raw-data", key: raw[1]!, field };
    if (/^[a-z0-9]+:\/\//i.test(file)) {
      throw new ValidationError(`${field}: '${file}' must name the ${rawDataBucket} bucket (${rawDataBucket}/<key>) or a key in the object store`, [
        { path: field, message: `expected ${rawDataBucket}/<key> or an object key`, invalidValue: file },
      ]);
    }
    return { kind: "objects", key: file, field };
  }
  if (typeof input.input_data === "string") return { kind: "inline", content: input.input_data };
  return { kind: "none" };
}

const missingFile = (field: string, uri: string) =>
  new ValidationError(`${field}: input file ${uri} does not exist`, [{ path: field, message: `file not found: ${uri}` }]);

export function ingestionRoutes({ engine, objects, rawData, rawDataBucket = "raw-data", newId = () => crypto.randomUUID() }: IngestionDeps) {
  const app = new Hono();

  app.post("/workflow/deploy", async (c) => {
    // 1. Everything that can be refused, before the first write.
    const request = parseOrThrow(DeployRequestSchema, await jsonBody(c), "deploy request");
    if (request.workflow === undefined) {
      throw new ValidationError("workflow is required", [{ path: "workflow", message: "expected a workflow definition" }]);
    }
    const definition = parseWorkflowDef(request.workflow, "workflow");
    const configs = extractServiceConfigs(definition);
    const input = request.input ?? {};
    const source = inputSourceOf(input, rawDataBucket);
    const runId = request.workflow_id ?? newId();
    if (await engine.hasWorkflow(runId)) throw new ConflictError(`Workflow ${runId} already exists; choose another workflow_id`);
    const prefix = `runs/${runId}/`;
    if ((await objects.list(prefix)).length > 0) {
      throw new ConflictError(`The object store already holds a run under ${objects.uri(prefix)}; choose another workflow_id`);
    }
    if (source.kind === "raw-data") {
      if (!rawData) {
        throw new ValidationError(`${source.field} names the ${rawDataBucket} bucket, but no raw-data source is configured (MINIO_ENDPOINT)`, [
          { path: source.field, message: "no raw-data source configured" },
        ]);
      }
      if (!(await rawData.head(source.key))) throw missingFile(source.field, rawData.uri(source.key));
    } else if (source.kind === "objects" && !(await objects.head(source.key))) {
      throw missingFile(source.field, objects.uri(source.key));
    }

    const key = (name: string) => `${prefix}${name}`;
    const uris = {
      input: objects.uri(key("input.in")),
      output: objects.uri(key("output.out")),
      report: objects.uri(key("report/")),
      config: (service: string) => objects.uri(key(`${service}.json`)),
    };
    const updated = rewriteTaskInputs(definition, uris);
    const workflowInput = { ...input, s3_input_uri: uris.input, s3_output_uri: uris.output, s3_report_uri: uris.report };

    // 2. Write, register, start; undo the writes if any step fails.
    let workflowInstanceId: string | null = null;
    try {
      if (source.kind === "raw-data") await copyBetween(rawData!, objects, source.key, key("input.in"));
      else if (source.kind === "objects") await copyBetween(objects, objects, source.key, key("input.in"));
      else await objects.put(key("input.in"), encoder.encode(source.kind === "inline" ? source.content : ""));
      await objects.put(key("output.out"), new Uint8Array());
      await objects.put(key("report/.keep"), new Uint8Array());
      for (const config of configs) {
        await objects.put(key(`${config.service}.json`), JSON.stringify(config.json, null, 2), { contentType: "application/json" });
      }
      await objects.put(key("workflow.json"), JSON.stringify(updated, null, 2), { contentType: "application/json" });
      await engine.registerWorkflowDef(updated, true, restSource(c));
      if (request.trigger_conductor) {
        workflowInstanceId = await engine.startWorkflow(
          { name: updated.name, version: updated.version, input: workflowInput, taskToDomain: {}, priority: 0 },
          restSource(c),
          { workflowId: runId },
        );
      }
    } catch (error) {
      await deleteRun(objects, prefix);
      throw error;
    }
    return c.json({
      runId,
      s3_input_uri: uris.input,
      s3_output_uri: uris.output,
      s3_report_uri: uris.report,
      updated_json_uri: objects.uri(key("workflow.json")),
      workflow_instance_id: workflowInstanceId,
      message: request.trigger_conductor
        ? `Workflow ${updated.name} v${updated.version} deployed and started as ${workflowInstanceId}`
        : `Workflow ${updated.name} v${updated.version} deployed; not started (trigger_conductor is false)`,
    });
  });

  app.post("/retry-workflow", async (c) => {
    const body = await jsonBody(c);
    // The original client sent the rerun request either flat or under `payload`.
    const flat =
      body !== null && typeof body === "object" && "payload" in body && typeof body.payload === "object" && body.payload !== null
        ? { ...(body as Record<string, unknown>), ...(body.payload as Record<string, unknown>) }
        : body;
    const request = parseOrThrow(RetryRequestSchema, flat, "retry request");
    const workflow = await engine.loadWorkflow(request.workflowId);
    const attempts = workflow.tasks.filter((task) => task.referenceTaskName === request.reRunFromTaskRefName);
    const latest = attempts.reduce<(typeof attempts)[number] | undefined>((best, task) => (!best || task.seq > best.seq ? task : best), undefined);
    if (!latest) {
      throw new ValidationError(`reRunFromTaskRefName: workflow ${request.workflowId} has no task '${request.reRunFromTaskRefName}'`, [
        { path: "reRunFromTaskRefName", message: "no task with this reference name in the workflow", invalidValue: request.reRunFromTaskRefName },
      ]);
    }
    const known = new Set(workflow.tasks.map((task) => task.referenceTaskName));
    const unknown = (request.resetTasks ?? []).filter((ref) => !known.has(ref) && !definesRef(workflow.definition.tasks, ref));
    if (unknown.length > 0) {
      throw new ValidationError(`resetTasks: workflow ${request.workflowId} has no task ${unknown.map((r) => `'${r}'`).join(", ")}`, [
        { path: "resetTasks", message: "unknown task reference names", invalidValue: unknown },
      ]);
    }
    const rerun = await engine.rerun(request.workflowId, { reRunFromWorkflowId: request.workflowId, reRunFromTaskId: latest.taskId }, restSource(c));
    return c.json({
      workflowId: request.workflowId,
      reRunFromTaskRefName: request.reRunFromTaskRefName,
      reRunFromTaskId: latest.taskId,
      // Rerunning from a task resets every task after it, so resetTasks needs no separate step.
      resetTasks: request.resetTasks ?? [],
      status: rerun.status,
      message: `Workflow ${request.workflowId} rerun in Baton from task ${request.reRunFromTaskRefName} (${latest.taskId})${
        request.rerun_url ? "; rerun_url was not called" : ""
      }`,
    });
  });

  return app;
}

/** True when `ref` names a task anywhere in the definition (not yet scheduled ones included). */
function definesRef(tasks: readonly WorkflowTask[], ref: string): boolean {
  for (const { task } of walkTasks(tasks, "tasks")) if (task.taskReferenceName === ref) return true;
  return false;
}

/** Deletes every object of a run (best effort: the first failure is not worth masking the original error). */
async function deleteRun(objects: ObjectStore, prefix: string): Promise<void> {
  try {
    for (const info of await objects.list(prefix)) await objects.delete(info.key);
  } catch {
    // The original error is what the client needs; a leftover is visible under the prefix.
  }
}
