/**
 * The ingestion service's XML service configurations: a string `dp_config`
 * anywhere in a task's `inputParameters` carries one (`inputParameters.dp_config`,
 * or where the seed's KAFKA_PUBLISH tasks put it, inside the message:
 * `inputParameters.kafka_request.value.data.dp_config`). They are converted to
 * JSON with fast-xml-parser (validated first, so a malformed document is a 400
 * naming the task's field, not a half-parsed object) and stored beside the run.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { WorkflowDef, WorkflowTask } from "../definitions/workflow-def.ts";
import { ValidationError } from "../errors.ts";

/** The input parameter that holds a task's XML service configuration. */
export const SERVICE_CONFIG_PARAM = "dp_config";

export interface ServiceConfig {
  taskReferenceName: string;
  /** The file name stem under `runs/<id>/`: the task reference, made key-safe (numbered when a task has several). */
  service: string;
  /** Where the XML was, e.g. `workflow.tasks[2].inputParameters.kafka_request.value.data.dp_config`. */
  field: string;
  /** The configuration as JSON (attributes as `@_name`). */
  json: unknown;
}

/** Elements may nest this deep (fast-xml-parser's default, stated so it is a decision). */
export const MAX_XML_DEPTH = 100;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  parseAttributeValue: true,
  trimValues: true,
  maxNestedTags: MAX_XML_DEPTH,
});

/** Converts one XML document to JSON, or throws a ValidationError naming `field`. */
export function xmlToJson(xml: string, field: string): unknown {
  const fail = (why: string) => {
    throw new ValidationError(`${field}: invalid XML service configuration: ${why}`, [
      { path: field, message: `invalid XML: ${why}` },
    ]);
  };
  if (xml.trim() === "") fail("the document is empty");
  // A DOCTYPE can declare entities, external ones included (file or network reads): a service configuration needs none.
  if (/<!(DOCTYPE|ENTITY)/i.test(xml)) fail("DOCTYPE and ENTITY declarations are not accepted");
  const verdict = XMLValidator.validate(xml);
  if (verdict !== true) fail(`${verdict.err.msg} (line ${verdict.err.line}, column ${verdict.err.col})`);
  if (!xml.trimEnd().endsWith(">")) fail("text after the root element");
  let json: Record<string, unknown> = {};
  try {
    json = parser.parse(xml) as Record<string, unknown>;
  } catch (error) {
    // fast-xml-parser's own limits (elements nested more than MAX_XML_DEPTH, entities) are the document's fault.
    fail(error instanceof Error ? error.message : String(error));
  }
  // The validator accepts several top-level elements; a document has exactly one root.
  const roots = Object.keys(json).filter((key) => !key.startsWith("?"));
  if (roots.length === 0) fail("no root element");
  if (roots.length > 1 || roots[0] === "#text" || Array.isArray(json[roots[0]!])) fail("more than one root element, or text outside it");
  return json;
}

/** Every task of a definition, nested ones included, with the field path that reaches it. */
export function* walkTasks(tasks: readonly WorkflowTask[], path: string): Generator<{ task: WorkflowTask; path: string }> {
  for (const [index, task] of tasks.entries()) {
    const here = `${path}[${index}]`;
    yield { task, path: here };
    for (const [name, branch] of Object.entries(task.decisionCases ?? {})) yield* walkTasks(branch, `${here}.decisionCases.${name}`);
    if (task.defaultCase) yield* walkTasks(task.defaultCase, `${here}.defaultCase`);
    for (const [b, branch] of (task.forkTasks ?? []).entries()) yield* walkTasks(branch, `${here}.forkTasks[${b}]`);
    if (task.loopOver) yield* walkTasks(task.loopOver, `${here}.loopOver`);
  }
}

/** `[A-Za-z0-9._-]` only, so the name is a safe object key segment on every store. */
const keySafe = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_");

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === "object" && !Array.isArray(value);

/** A `dp_config` string found in a task: the keys from `inputParameters` down to the object holding it. */
interface Located {
  task: WorkflowTask;
  holder: readonly (string | number)[];
  field: string;
  service: string;
  xml: string;
}

const fieldPath = (base: string, keys: readonly (string | number)[]) =>
  keys.reduce<string>((path, key) => (typeof key === "number" ? `${path}[${key}]` : `${path}.${key}`), base);

/** Every object under `value` (itself included) holding a string `dp_config`, depth first, in key order. */
function* configHolders(value: unknown, keys: (string | number)[] = []): Generator<readonly (string | number)[]> {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* configHolders(item, [...keys, index]);
    return;
  }
  if (!isObject(value)) return;
  if (typeof value[SERVICE_CONFIG_PARAM] === "string") yield keys;
  for (const [key, child] of Object.entries(value)) if (key !== SERVICE_CONFIG_PARAM) yield* configHolders(child, [...keys, key]);
}

/** Every `dp_config` string of a definition, with its field path and the run file name it gets. */
function locateServiceConfigs(definition: WorkflowDef, root: string): Located[] {
  const located: Located[] = [];
  for (const { task, path } of walkTasks(definition.tasks, `${root}.tasks`)) {
    for (const holder of configHolders(task.inputParameters ?? {})) {
      const object = holder.reduce<unknown>((at, key) => (at as Record<string | number, unknown>)[key], task.inputParameters) as Json;
      // Distinct references can make the same key-safe name ("a b", "a_b"), and a task may carry several: number the later ones.
      let service = keySafe(task.taskReferenceName);
      for (let n = 2; located.some((config) => config.service === service); n++) service = `${keySafe(task.taskReferenceName)}-${n}`;
      const field = fieldPath(`${path}.inputParameters`, [...holder, SERVICE_CONFIG_PARAM]);
      located.push({ task, holder, field, service, xml: object[SERVICE_CONFIG_PARAM] as string });
    }
  }
  return located;
}

/**
 * The XML configurations of `definition`, converted. Throws one ValidationError
 * listing every malformed document, so the client fixes them all at once.
 */
export function extractServiceConfigs(definition: WorkflowDef, root = "workflow"): ServiceConfig[] {
  const configs: ServiceConfig[] = [];
  const problems: ValidationError[] = [];
  for (const { task, field, service, xml } of locateServiceConfigs(definition, root)) {
    try {
      configs.push({ taskReferenceName: task.taskReferenceName, service, field, json: xmlToJson(xml, field) });
    } catch (error) {
      if (error instanceof ValidationError) problems.push(error);
      else throw error;
    }
  }
  if (problems.length === 1) throw problems[0]!;
  if (problems.length > 1) {
    throw new ValidationError(problems.map((p) => p.message).join("; "), problems.flatMap((p) => p.fieldErrors));
  }
  return configs;
}

/** The URIs a run's tasks are given in place of their inline XML. */
export interface RunUris {
  input: string;
  output: string;
  report: string;
  /** The stored JSON configuration of one service (`ServiceConfig.service`). */
  config(service: string): string;
}

/** A copy of `root` with the object at `keys` replaced by `update(it)`. */
function updateAt(root: Json, keys: readonly (string | number)[], update: (object: Json) => Json): Json {
  if (keys.length === 0) return update(root);
  const [key, ...rest] = keys;
  const copy: Json | unknown[] = Array.isArray(root) ? [...root] : { ...root };
  (copy as Record<string | number, unknown>)[key!] = updateAt((root as Record<string | number, unknown>)[key!] as Json, rest, update);
  return copy as Json;
}

/**
 * Where the service behind a KAFKA_PUBLISH reads its request: the message the
 * task publishes is `kafka_request.value`, and the seed's services read their
 * parameters from its `data` object. Undefined when the value is not an object
 * (an expression resolved at run time, say): nothing can be added to it here.
 */
function messageHolder(inputParameters: Json): (string | number)[] | undefined {
  const request = inputParameters.kafka_request;
  if (!isObject(request) || !isObject(request.value)) return undefined;
  return isObject(request.value.data) ? ["kafka_request", "value", "data"] : ["kafka_request", "value"];
}

const insideMessage = (holder: readonly (string | number)[]) => holder[0] === "kafka_request" && holder[1] === "value";

/**
 * The definition with each `dp_config` replaced by the URI of its JSON
 * configuration, and the run's input, output and report URIs
 * (`s3_input_uri`, `s3_output_uri`, `s3_report_uri`) added beside it, where the
 * service reads them: beside the `dp_config` (in `inputParameters`, which a
 * worker polls or an EVENT publishes, or inside a KAFKA_PUBLISH's message); a
 * KAFKA_PUBLISH whose `dp_config` sits outside its message also gets the
 * config URI and the run URIs in the message (`kafka_request.value.data`, or
 * `kafka_request.value`), since only the message reaches its service. Tasks
 * without a configuration are left as they are. The input definition is not changed.
 */
export function rewriteTaskInputs(definition: WorkflowDef, uris: RunUris, root = "workflow"): WorkflowDef {
  const byTask = new Map<WorkflowTask, Located[]>();
  for (const located of locateServiceConfigs(definition, root)) byTask.set(located.task, [...(byTask.get(located.task) ?? []), located]);
  const runUris = { s3_input_uri: uris.input, s3_output_uri: uris.output, s3_report_uri: uris.report };

  const rewriteTask = (task: WorkflowTask): WorkflowTask => {
    let inputParameters = task.inputParameters as Json;
    for (const { holder, service } of byTask.get(task) ?? []) {
      const uri = uris.config(service);
      inputParameters = updateAt(inputParameters, holder, (object) => ({ ...object, [SERVICE_CONFIG_PARAM]: uri, ...runUris }));
      const message = task.type === "KAFKA_PUBLISH" && !insideMessage(holder) ? messageHolder(inputParameters) : undefined;
      if (message) {
        inputParameters = updateAt(inputParameters, message, (object) => ({
          ...object,
          ...(typeof object[SERVICE_CONFIG_PARAM] === "string" ? {} : { [SERVICE_CONFIG_PARAM]: uri }),
          ...runUris,
        }));
      }
    }
    return inputParameters === task.inputParameters ? task : { ...task, inputParameters };
  };

  const rewrite = (tasks: readonly WorkflowTask[]): WorkflowTask[] =>
    tasks.map((task) => {
      const copy: WorkflowTask = { ...rewriteTask(task) };
      if (task.decisionCases) {
        copy.decisionCases = Object.fromEntries(Object.entries(task.decisionCases).map(([name, branch]) => [name, rewrite(branch)]));
      }
      if (task.defaultCase) copy.defaultCase = rewrite(task.defaultCase);
      if (task.forkTasks) copy.forkTasks = task.forkTasks.map(rewrite);
      if (task.loopOver) copy.loopOver = rewrite(task.loopOver);
      return copy;
    });
  return { ...definition, tasks: rewrite(definition.tasks) };
}
