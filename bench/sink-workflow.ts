/**
 * The sink benchmarks' workflow (bench/sink.ts, bench/compare-sink.ts), the
 * seed's email validation as one definition that runs on Baton and on Conductor
 * OSS alike: a KAFKA_PUBLISH sends `{workflowId, email}` to the service's request
 * topic, then an EVENT with `asyncComplete` waits for the service's reply, which
 * a router (Baton's built-in one, or bench/conductor-router.ts for Conductor)
 * turns into the EVENT's completion; the workflow's output is the reply's `valid`.
 */

export const SINK_WORKFLOW_NAME = "email_validation";
/** The `eventType` of the service's reply (bench/sink-service.ts). */
export const REPLY_EVENT_TYPE = "email_validation_completed";

export interface SinkWorkflowOptions {
  /** The service's request topic. */
  requests: string;
  /** The EVENT's sink (default `conductor:email_validation_completed`, as the seed names it). */
  sink?: string;
  /** The workflow input that becomes the request's `email` (default `email`). */
  emailInput?: string;
  /**
   * Conductor's KAFKA_PUBLISH needs the brokers in its input (`bootStrapServers`);
   * Baton's publishes on its configured bus and ignores them.
   */
  bootStrapServers?: string;
}

export function sinkWorkflowDef(options: SinkWorkflowOptions): Record<string, unknown> {
  const kafkaRequest: Record<string, unknown> = {
    topic: options.requests,
    key: "${workflow.workflowId}",
    value: { workflowId: "${workflow.workflowId}", email: `\${workflow.input.${options.emailInput ?? "email"}}` },
  };
  if (options.bootStrapServers) {
    kafkaRequest.bootStrapServers = options.bootStrapServers;
    // Conductor's defaults (100 ms to be acknowledged, 500 ms to get metadata) fail
    // publishes on a busy 2-core machine, as 5 s did for a freshly started JVM's
    // first publishes; a user would raise them too.
    kafkaRequest.requestTimeoutMs = 30_000;
    kafkaRequest.maxBlockMs = 30_000;
  }
  return {
    name: SINK_WORKFLOW_NAME,
    version: 1,
    schemaVersion: 2,
    timeoutSeconds: 0,
    tasks: [
      { name: "request_validation", taskReferenceName: "request_validation_ref", type: "KAFKA_PUBLISH", inputParameters: { kafka_request: kafkaRequest } },
      {
        name: "await_validation",
        taskReferenceName: "await_validation_ref",
        type: "EVENT",
        sink: options.sink ?? `conductor:${REPLY_EVENT_TYPE}`,
        asyncComplete: true,
      },
    ],
    outputParameters: { valid: "${await_validation_ref.output.valid}" },
  };
}
