/**
 * The fan-out orchestrator as Baton definitions: one workflow per orchestration
 * task, one call task per service per payload item, run in parallel through a
 * FORK_JOIN_DYNAMIC. Calls are optional tasks, so a failed call does not cancel
 * the others: the JOIN waits for every call, and only then does the workflow
 * fail (TERMINATE) if any call failed.
 */

export const SERVICES = ["revenue", "rebates", "specialty"] as const;
export type ServiceName = (typeof SERVICES)[number];

/**
 * How each call reaches its service: a Conductor worker task (polled by the
 * service), Baton's HTTP task, or a Kafka request (`fanout-<service>-requests`)
 * whose reply on `conductor-events` the event router hands back (a
 * `fanout_kafka_call` sub-workflow per call).
 */
export type Transport = { kind: "worker" } | { kind: "http"; servicesUrl: string } | { kind: "kafka" };

export const KAFKA_CALL_WORKFLOW = "fanout_kafka_call";
/** The topic a service reads its Kafka requests from. */
export const requestTopicOf = (service: ServiceName) => `fanout-${service}-requests`;
/** The eventType a service's Kafka reply carries. */
export const REPLY_EVENT_TYPE = "fanout_call_completed";

export const WORKFLOW_NAME = "fanout_orchestration";
export const REQUEST_TOPIC = "fanout-orchestrate-requests";

/** The worker task type a service polls in the `worker` transport. */
export const taskTypeOf = (service: ServiceName) => `fanout_${service}`;

/** Task definitions for the worker transport: no retries (a mock failure is deterministic), a bounded response time. */
export const taskDefs = SERVICES.map((service) => ({
  name: taskTypeOf(service),
  description: `The ${service} service's calls`,
  retryCount: 0,
  timeoutSeconds: 300,
  responseTimeoutSeconds: 60,
  totalTimeoutSeconds: 0,
  timeoutPolicy: "TIME_OUT_WF",
  ownerEmail: "examples@baton.local",
}));

/**
 * Plans the calls from the request: INLINE JavaScript (run on Baton's user-code
 * pool) returning the dynamic fork's tasks and their inputs. Each call's input
 * names `fanout_service`, `item_index` and the `request` payload; the
 * compatibility API reads the calls back by those fields.
 */
const PLAN_CALLS = `(function () {
  var items = $.payload || [];
  var tasks = [];
  var inputs = {};
  for (var i = 0; i < items.length; i++) {
    var services = items[i].services || [];
    for (var j = 0; j < services.length; j++) {
      var service = services[j];
      var ref = "call_" + i + "_" + service;
      var request = { task_id: $.task_id, service: service, item_index: i, scenario_id: items[i].scenario_id, business_type_id: items[i].business_type_id };
      var input = { fanout_service: service, item_index: i, request: request };
      if ($.transport === "http") {
        tasks.push({ name: "fanout_http_call", taskReferenceName: ref, type: "HTTP", optional: true });
        input.http_request = { uri: $.services_url + "/" + service, method: "POST", contentType: "application/json", accept: "application/json", body: request };
      } else if ($.transport === "kafka") {
        tasks.push({ name: "fanout_kafka_call", taskReferenceName: ref, type: "SUB_WORKFLOW", optional: true, subWorkflowParam: { name: "fanout_kafka_call", version: 1 } });
      } else {
        tasks.push({ name: "fanout_" + service, taskReferenceName: ref, type: "SIMPLE", optional: true, retryCount: 0 });
      }
      inputs[ref] = input;
    }
  }
  return { tasks: tasks, inputs: inputs, count: tasks.length };
})()`;

/** The orchestration workflow for a transport. Input: `task_id`, `task_name`, `description`, `payload`. */
export function fanoutWorkflow(transport: Transport) {
  return {
    name: WORKFLOW_NAME,
    description: "Fans one request out to the revenue, rebates and specialty services and tracks every call",
    version: 1,
    schemaVersion: 2,
    ownerEmail: "examples@baton.local",
    timeoutSeconds: 0,
    inputParameters: ["task_id", "task_name", "description", "payload"],
    tasks: [
      {
        name: "plan_calls",
        taskReferenceName: "plan_calls",
        type: "INLINE",
        inputParameters: {
          evaluatorType: "javascript",
          expression: PLAN_CALLS,
          task_id: "${workflow.input.task_id}",
          payload: "${workflow.input.payload}",
          transport: transport.kind,
          services_url: transport.kind === "http" ? transport.servicesUrl : null,
        },
      },
      {
        name: "fan_out",
        taskReferenceName: "fan_out",
        type: "FORK_JOIN_DYNAMIC",
        dynamicForkTasksParam: "tasks",
        dynamicForkTasksInputParamName: "inputs",
        inputParameters: { tasks: "${plan_calls.output.result.tasks}", inputs: "${plan_calls.output.result.inputs}" },
      },
      { name: "join", taskReferenceName: "join", type: "JOIN" },
      {
        // An optional call that failed leaves the JOIN COMPLETED_WITH_ERRORS: then the task as a whole failed.
        name: "verdict",
        taskReferenceName: "verdict",
        type: "SWITCH",
        evaluatorType: "value-param",
        expression: "join_status",
        inputParameters: { join_status: "${join.status}" },
        decisionCases: {
          COMPLETED_WITH_ERRORS: [
            {
              name: "calls_failed",
              taskReferenceName: "calls_failed",
              type: "TERMINATE",
              inputParameters: { terminationStatus: "FAILED", terminationReason: "one or more service calls failed", workflowOutput: { results: "${join.output}" } },
            },
          ],
        },
        defaultCase: [],
      },
    ],
    outputParameters: { calls: "${plan_calls.output.result.count}", results: "${join.output}" },
  };
}

/**
 * One call over Kafka: publish the request keyed by this sub-workflow's id,
 * then an EVENT with asyncComplete that the router completes (or fails, with
 * the reply's `error_message`) when the service answers on `conductor-events`.
 */
export const kafkaCallWorkflow = {
  name: KAFKA_CALL_WORKFLOW,
  description: "One fan-out call as a Kafka request and its reply",
  version: 1,
  schemaVersion: 2,
  ownerEmail: "examples@baton.local",
  inputParameters: ["fanout_service", "item_index", "request"],
  tasks: [
    {
      name: "request_call",
      taskReferenceName: "request_call",
      type: "KAFKA_PUBLISH",
      inputParameters: {
        kafka_request: {
          topic: "fanout-${workflow.input.fanout_service}-requests",
          key: "${workflow.workflowId}",
          value: { workflowId: "${workflow.workflowId}", data: "${workflow.input.request}" },
        },
      },
    },
    { name: "await_reply", taskReferenceName: "await_reply", type: "EVENT", sink: `conductor:${REPLY_EVENT_TYPE}`, asyncComplete: true },
  ],
  outputParameters: { response: "${await_reply.output.response}" },
};

/** Starts the workflow for each request `POST {prefix}/api/orchestrate` queues on the bus. */
export function requestHandler(topic = REQUEST_TOPIC) {
  return {
    name: "fanout_orchestrate_requests",
    event: `kafka:${topic}`,
    active: true,
    actions: [
      {
        action: "start_workflow",
        start_workflow: {
          name: WORKFLOW_NAME,
          version: 1,
          correlationId: "${task_id}",
          input: { task_id: "${task_id}", task_name: "${task_name}", description: "${description}", payload: "${payload}" },
        },
      },
    ],
  };
}
