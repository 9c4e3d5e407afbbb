/**
 * The seed's Name Parse workflow as the DAG-run tests run it: the shipped
 * definition (src/services/workflows/name_parse.json: KAFKA_PUBLISH a request on
 * airflow-trigger-requests, an EVENT waiting for name_parse_completed) with the
 * test's own name, request data, EVENT wait and outputs.
 */
import { readFileSync } from "node:fs";

const SHIPPED = JSON.parse(readFileSync(new URL("../../src/services/workflows/name_parse.json", import.meta.url), "utf8")) as {
  tasks: [{ inputParameters: { kafka_request: { value: { data: Record<string, unknown> } } } }, { asyncComplete?: boolean }];
};

export interface NameParseOptions {
  name?: string;
  /** The request's `data` (dag_id, completion_event_type, ...). */
  data: Record<string, unknown>;
  /** The EVENT task's asyncComplete (the shipped definition sets it). */
  asyncComplete?: boolean;
  /** The workflow's outputs, each taken from the EVENT's output of the same name. */
  outputs: string[];
}

export function nameParseWorkflow({ name = "name_parse", data, asyncComplete = true, outputs }: NameParseOptions) {
  const { tasks } = structuredClone(SHIPPED);
  tasks[0].inputParameters.kafka_request.value.data = data;
  if (asyncComplete) tasks[1].asyncComplete = true;
  else delete tasks[1].asyncComplete;
  return {
    name,
    version: 1,
    schemaVersion: 2,
    tasks,
    outputParameters: Object.fromEntries(outputs.map((output) => [output, `\${wait_name_parse_ref.output.${output}}`])),
  };
}
