/**
 * The ingestion service's XML service configurations: every task whose
 * `inputParameters.dp_config` is a string carries one. They are converted to
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
  /** The file name stem under `runs/<id>/`: the task reference, made key-safe. */
  service: string;
  /** Where the XML was, e.g. `workflow.tasks[2].inputParameters.dp_config`. */
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

/**
 * The XML configurations of `definition`, converted. Throws one ValidationError
 * listing every malformed document, so the client fixes them all at once.
 */
export function extractServiceConfigs(definition: WorkflowDef, root = "workflow"): ServiceConfig[] {
  const configs: ServiceConfig[] = [];
  const problems: ValidationError[] = [];
  for (const { task, path } of walkTasks(definition.tasks, `${root}.tasks`)) {
    const xml = task.inputParameters?.[SERVICE_CONFIG_PARAM];
    if (typeof xml !== "string") continue;
    const field = `${path}.inputParameters.${SERVICE_CONFIG_PARAM}`;
    try {
      // Distinct references can make the same key-safe name ("a b", "a_b"): number the later ones.
      let service = keySafe(task.taskReferenceName);
      for (let n = 2; configs.some((config) => config.service === service); n++) service = `${keySafe(task.taskReferenceName)}-${n}`;
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
  /** The stored JSON configuration of a task, by its reference name. */
  config(taskReferenceName: string): string;
}

/**
 * The definition with each configured task's `dp_config` replaced by the URI of
 * its JSON configuration, and the run's input, output and report URIs added
 * (`s3_input_uri`, `s3_output_uri`, `s3_report_uri`). Tasks without a
 * configuration are left as they are. The input definition is not changed.
 */
export function rewriteTaskInputs(definition: WorkflowDef, uris: RunUris): WorkflowDef {
  const rewrite = (tasks: readonly WorkflowTask[]): WorkflowTask[] =>
    tasks.map((task) => {
      const copy: WorkflowTask = { ...task };
      if (typeof task.inputParameters?.[SERVICE_CONFIG_PARAM] === "string") {
        copy.inputParameters = {
          ...task.inputParameters,
          [SERVICE_CONFIG_PARAM]: uris.config(task.taskReferenceName),
          s3_input_uri: uris.input,
          s3_output_uri: uris.output,
          s3_report_uri: uris.report,
        };
      }
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
