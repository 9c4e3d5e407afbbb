/** The ingestion service's request bodies, kept compatible with the original service. */
import * as v from "valibot";
import { jsonObject } from "../definitions/validate.ts";

/** `POST /workflow/deploy`. `workflow` is checked as a workflow definition separately (field paths under `workflow.`). */
export const DeployRequestSchema = v.looseObject({
  workflow: v.unknown(),
  workflow_id: v.optional(
    v.nullable(
      v.pipe(
        v.string("workflow_id must be a string"),
        v.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "workflow_id must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit"),
      ),
    ),
  ),
  trigger_conductor: v.optional(v.boolean("trigger_conductor must be true or false"), false),
  /**
   * The workflow's input. `input_file` names the input file (in the raw-data
   * bucket as `raw-data/<key>` or `s3://raw-data/<key>`, or a key in the object
   * store); `input_data` gives its content inline.
   */
  input: v.optional(v.nullable(jsonObject("input"))),
});

export type DeployRequest = v.InferOutput<typeof DeployRequestSchema>;

const ref = (field: string) => v.pipe(v.string(`${field} must be a string`), v.nonEmpty(`${field} must not be empty`));

/**
 * `POST /retry-workflow`: the original payload, `rerun_url` beside the rerun
 * request (flat, or nested under `payload`). `rerun_url` is accepted and never called.
 */
export const RetryRequestSchema = v.looseObject({
  rerun_url: v.optional(v.nullable(v.string("rerun_url must be a string"))),
  workflowId: ref("workflowId"),
  reRunFromTaskRefName: ref("reRunFromTaskRefName"),
  resetTasks: v.optional(v.nullable(v.array(ref("resetTasks[]"), "resetTasks must be an array of task reference names"))),
});

export type RetryRequest = v.InferOutput<typeof RetryRequestSchema>;
