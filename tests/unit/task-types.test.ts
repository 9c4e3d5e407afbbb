/**
 * The task-type registry (src/domain/tasks): every type Baton runs has one
 * spec, the groups other layers ask for by name are the ones they were before
 * the registry, and each type's definition checks accept and refuse what they
 * did. Behaviour of the types themselves is in the system-tasks-* specs.
 */
import { describe, expect, it } from "vitest";
import { parseCheckedWorkflowDef, parseWorkflowDef } from "../../src/domain/definitions/check-workflow-def.ts";
import {
  DECIDED_TASK_TYPES,
  isDecidedType,
  isReactorType,
  isWaitingType,
  REACTOR_TASK_TYPES,
  SUPPORTED_TASK_TYPES,
  WAITING_TASK_TYPES,
} from "../../src/domain/definitions/task-types.ts";
import { isTaskType, TASK_TYPE_NAMES, TASK_TYPES, type TaskType, taskTypeSpec, taskTypesRun } from "../../src/domain/tasks/registry.ts";
import { validationErrorOf } from "../support/errors.ts";

/** The types Baton ran before the registry, in the order its error messages listed them. */
const SUPPORTED_BEFORE = [
  "SIMPLE", "SWITCH", "DECISION", "FORK_JOIN", "FORK_JOIN_DYNAMIC", "JOIN", "EXCLUSIVE_JOIN", "DO_WHILE",
  "SET_VARIABLE", "TERMINATE", "NOOP", "INLINE", "JSON_JQ_TRANSFORM", "DYNAMIC", "WAIT", "HUMAN",
  "HTTP", "KAFKA_PUBLISH", "EVENT", "SUB_WORKFLOW", "START_WORKFLOW",
];

describe("task-type registry", () => {
  it("has exactly the types Baton ran before, in the same order", () => {
    expect(TASK_TYPE_NAMES).toEqual(SUPPORTED_BEFORE);
    expect(SUPPORTED_TASK_TYPES).toEqual(SUPPORTED_BEFORE);
  });

  it.each(SUPPORTED_BEFORE)("%s has a spec: who runs it, its retry rule, and a step when the decider runs or holds it", (type) => {
    const spec = taskTypeSpec(type)!;
    expect(spec).toBeDefined();
    expect(["worker", "decided", "held", "reactor"]).toContain(spec.run.kind);
    expect(["taskDef", "never"]).toContain(spec.retry);
    if (spec.run.kind === "held") expect(spec.run.step).toBeTypeOf("function");
    // Only DYNAMIC is decided without a step: the decider schedules the task it names instead.
    if (spec.run.kind === "decided" && spec.run.step === undefined) expect(spec.schedule).toBeTypeOf("function");
  });

  it("keeps the groups engine, projections and router ask for by name", () => {
    expect(REACTOR_TASK_TYPES).toEqual(["HTTP", "KAFKA_PUBLISH", "EVENT", "SUB_WORKFLOW", "START_WORKFLOW"]);
    expect(DECIDED_TASK_TYPES).toEqual([
      "SWITCH", "DECISION", "FORK_JOIN", "FORK_JOIN_DYNAMIC", "JOIN", "EXCLUSIVE_JOIN", "DO_WHILE",
      "SET_VARIABLE", "TERMINATE", "NOOP", "INLINE", "JSON_JQ_TRANSFORM", "DYNAMIC",
    ]);
    expect(WAITING_TASK_TYPES).toEqual(["WAIT", "HUMAN"]);
    expect(taskTypesRun("worker")).toEqual(["SIMPLE"]);
  });

  it.each([
    ["HTTP", true, false, false],
    ["SUB_WORKFLOW", true, false, false],
    ["SWITCH", false, true, false],
    ["WAIT", false, false, true],
    ["SIMPLE", false, false, false],
    ["my_custom_worker_type", false, false, false],
    ["", false, false, false],
  ])("answers for %s: reactor %s, decided %s, waiting %s", (type, reactor, decided, waiting) => {
    expect([isReactorType(type), isDecidedType(type), isWaitingType(type)]).toEqual([reactor, decided, waiting]);
  });

  it("knows no name outside the registry, not even one an object inherits", () => {
    for (const name of ["TELEPORT", "USER_DEFINED", "LAMBDA", "simple", "toString", "constructor", "__proto__", "hasOwnProperty"]) {
      expect(isTaskType(name), name).toBe(false);
      expect(taskTypeSpec(name), name).toBeUndefined();
    }
  });

  it("never retries Conductor's built-in flow tasks (TaskType.BUILT_IN_TASKS); retries the rest by their TaskDef", () => {
    const never = TASK_TYPE_NAMES.filter((type) => TASK_TYPES[type].retry === "never");
    expect(never).toEqual(["SWITCH", "DECISION", "FORK_JOIN", "FORK_JOIN_DYNAMIC", "JOIN", "EXCLUSIVE_JOIN", "DO_WHILE"]);
  });
});

// ---- Definition checks, per type ----------------------------------------------

type Fields = Record<string, unknown>;
const task = (type: string, fields: Fields = {}, ref = "t"): Fields => ({ name: ref, taskReferenceName: ref, type, ...fields });
const join = task("JOIN", {}, "j");
const body = [task("SIMPLE", {}, "inner")];

/** Definitions every type's checks accept (a fork with the JOIN it needs); a type without checks takes a bare task. */
const ACCEPTED: Record<TaskType, Fields[][]> = {
  SIMPLE: [[task("SIMPLE")], [{ name: "t", taskReferenceName: "t" }]],
  SWITCH: [
    [task("SWITCH", { evaluatorType: "value-param", expression: "kind", decisionCases: {} })],
    [task("SWITCH", { evaluatorType: "javascript", expression: "$.kind", decisionCases: { a: body } })],
    [task("SWITCH", { evaluatorType: "graaljs", expression: "$.kind", decisionCases: {} })],
  ],
  DECISION: [
    [task("DECISION", { caseValueParam: "kind", decisionCases: {} })],
    [task("DECISION", { caseExpression: "$.kind", decisionCases: {} })],
  ],
  FORK_JOIN: [[task("FORK_JOIN", { forkTasks: [body] }), join]],
  FORK_JOIN_DYNAMIC: [
    [task("FORK_JOIN_DYNAMIC", { dynamicForkTasksParam: "tasks", dynamicForkTasksInputParamName: "inputs" }), join],
    [task("FORK_JOIN_DYNAMIC", { inputParameters: { forkTaskInputs: [] } }), join],
    [task("FORK_JOIN_DYNAMIC", { inputParameters: { forkTaskName: "x" } }), join],
    [task("FORK_JOIN_DYNAMIC", { inputParameters: { forkTaskType: "HTTP" } }), join],
  ],
  JOIN: [[task("JOIN")]],
  EXCLUSIVE_JOIN: [[task("EXCLUSIVE_JOIN")]],
  DO_WHILE: [
    [task("DO_WHILE", { loopCondition: "false", loopOver: body })],
    [task("DO_WHILE", { items: "${workflow.input.list}", loopOver: body })],
    [task("DO_WHILE", { inputParameters: { items: [1] }, loopOver: body })],
    [task("DO_WHILE", { inputParameters: { _items: "${workflow.input.list}" }, loopOver: body })],
  ],
  SET_VARIABLE: [[task("SET_VARIABLE")]],
  TERMINATE: [
    [task("TERMINATE", { inputParameters: { terminationStatus: "FAILED" } })],
    [task("TERMINATE", { inputParameters: { terminationStatus: "${workflow.input.status}" } })],
  ],
  NOOP: [[task("NOOP")]],
  INLINE: [[task("INLINE", { inputParameters: { expression: "1" } })]],
  JSON_JQ_TRANSFORM: [[task("JSON_JQ_TRANSFORM", { inputParameters: { queryExpression: "." } })]],
  DYNAMIC: [[task("DYNAMIC", { dynamicTaskNameParam: "taskName" })]],
  WAIT: [[task("WAIT")]],
  HUMAN: [[task("HUMAN")]],
  HTTP: [
    [task("HTTP", { inputParameters: { http_request: { uri: "http://x", method: "GET" } } })],
    [task("HTTP", { inputParameters: { uri: "http://x" } })],
  ],
  KAFKA_PUBLISH: [[task("KAFKA_PUBLISH", { inputParameters: { kafka_request: { topic: "t", value: 1 } } })]],
  EVENT: [[task("EVENT", { sink: "kafka:orders" })]],
  SUB_WORKFLOW: [
    [task("SUB_WORKFLOW", { subWorkflowParam: { name: "child" } })],
    [task("SUB_WORKFLOW", { subWorkflowParam: { workflowDefinition: { name: "inline" } } })],
  ],
  START_WORKFLOW: [[task("START_WORKFLOW")]],
};

const suffix = (type: string) => ` for task type ${type} (t)`;

/** What each type's checks refused before the registry, with the field path and message they named. */
const REJECTED: { type: TaskType; what: string; tasks: Fields[]; path: string; message: string }[] = [
  { type: "SWITCH", what: "no evaluatorType", tasks: [task("SWITCH", { expression: "k", decisionCases: {} })], path: "evaluatorType", message: `evaluatorType (value-param or javascript) is required${suffix("SWITCH")}` },
  { type: "SWITCH", what: "an unknown evaluatorType", tasks: [task("SWITCH", { evaluatorType: "python", expression: "k", decisionCases: {} })], path: "evaluatorType", message: `evaluatorType must be value-param or javascript, got 'python'${suffix("SWITCH")}` },
  { type: "SWITCH", what: "no expression", tasks: [task("SWITCH", { evaluatorType: "value-param", decisionCases: {} })], path: "expression", message: `expression is required${suffix("SWITCH")}` },
  { type: "SWITCH", what: "no decisionCases", tasks: [task("SWITCH", { evaluatorType: "value-param", expression: "k" })], path: "decisionCases", message: `decisionCases is required${suffix("SWITCH")}` },
  { type: "DECISION", what: "neither caseValueParam nor caseExpression", tasks: [task("DECISION", { decisionCases: {} })], path: "caseValueParam", message: `caseValueParam or caseExpression is required${suffix("DECISION")}` },
  { type: "DECISION", what: "no decisionCases", tasks: [task("DECISION", { caseValueParam: "k" })], path: "decisionCases", message: `decisionCases is required${suffix("DECISION")}` },
  { type: "FORK_JOIN", what: "no branches", tasks: [task("FORK_JOIN", { forkTasks: [] }), join], path: "forkTasks", message: `forkTasks must contain at least one branch${suffix("FORK_JOIN")}` },
  { type: "FORK_JOIN_DYNAMIC", what: "no way to find its branches", tasks: [task("FORK_JOIN_DYNAMIC", { dynamicForkTasksParam: "tasks" }), join], path: "dynamicForkTasksParam", message: `dynamicForkTasksParam and dynamicForkTasksInputParamName (or a forkTaskInputs input) are required${suffix("FORK_JOIN_DYNAMIC")}` },
  { type: "DO_WHILE", what: "neither loopCondition nor items", tasks: [task("DO_WHILE", { loopOver: body, items: "  " })], path: "loopCondition", message: `loopCondition (or items) is required${suffix("DO_WHILE")}` },
  { type: "DO_WHILE", what: "an empty body", tasks: [task("DO_WHILE", { loopCondition: "false", loopOver: [] })], path: "loopOver", message: `loopOver must contain at least one task${suffix("DO_WHILE")}` },
  { type: "TERMINATE", what: "no terminationStatus", tasks: [task("TERMINATE")], path: "inputParameters.terminationStatus", message: `terminationStatus must be one of COMPLETED, FAILED, TERMINATED, got 'undefined'${suffix("TERMINATE")}` },
  { type: "TERMINATE", what: "an unknown terminationStatus", tasks: [task("TERMINATE", { inputParameters: { terminationStatus: "DONE" } })], path: "inputParameters.terminationStatus", message: `terminationStatus must be one of COMPLETED, FAILED, TERMINATED, got 'DONE'${suffix("TERMINATE")}` },
  { type: "INLINE", what: "no expression", tasks: [task("INLINE", { inputParameters: { evaluatorType: "javascript" } })], path: "inputParameters.expression", message: `expression is required${suffix("INLINE")}` },
  { type: "JSON_JQ_TRANSFORM", what: "no queryExpression", tasks: [task("JSON_JQ_TRANSFORM", { inputParameters: { queryExpression: 1 } })], path: "inputParameters.queryExpression", message: `queryExpression is required${suffix("JSON_JQ_TRANSFORM")}` },
  { type: "DYNAMIC", what: "no dynamicTaskNameParam", tasks: [task("DYNAMIC")], path: "dynamicTaskNameParam", message: `dynamicTaskNameParam is required${suffix("DYNAMIC")}` },
  { type: "HTTP", what: "neither http_request nor uri", tasks: [task("HTTP", { inputParameters: { method: "GET" } })], path: "inputParameters.http_request", message: `http_request (or uri) is required${suffix("HTTP")}` },
  { type: "KAFKA_PUBLISH", what: "no kafka_request", tasks: [task("KAFKA_PUBLISH")], path: "inputParameters.kafka_request", message: `kafka_request is required${suffix("KAFKA_PUBLISH")}` },
  { type: "EVENT", what: "no sink", tasks: [task("EVENT", { sink: "" })], path: "sink", message: `sink is required${suffix("EVENT")}` },
  { type: "SUB_WORKFLOW", what: "no subWorkflowParam", tasks: [task("SUB_WORKFLOW")], path: "subWorkflowParam", message: `subWorkflowParam with a name (or workflowDefinition) is required${suffix("SUB_WORKFLOW")}` },
  { type: "SUB_WORKFLOW", what: "a subWorkflowParam without a name", tasks: [task("SUB_WORKFLOW", { subWorkflowParam: { version: 1 } })], path: "subWorkflowParam", message: `subWorkflowParam with a name (or workflowDefinition) is required${suffix("SUB_WORKFLOW")}` },
];

describe("definition checks per task type (Conductor's WorkflowTaskTypeConstraint)", () => {
  it.each(Object.entries(ACCEPTED).flatMap(([type, defs]) => defs.map((tasks, index) => ({ type, index, tasks }))))(
    "accepts $type example $index",
    ({ tasks }) => {
      expect(() => parseWorkflowDef({ name: "checks", tasks })).not.toThrow();
    },
  );

  it.each(REJECTED)("refuses a $type with $what, naming the field", ({ tasks, path, message }) => {
    const error = validationErrorOf(() => parseWorkflowDef({ name: "checks", tasks }));
    expect(error.fieldErrors).toEqual([expect.objectContaining({ path: `tasks[0].${path}`, message })]);
  });

  it("checks nested tasks by their own type, at their own path", () => {
    const nested = task("SWITCH", { evaluatorType: "value-param", expression: "k", decisionCases: { a: [task("EVENT", {}, "e")] } });
    const error = validationErrorOf(() => parseWorkflowDef({ name: "checks", tasks: [nested] }));
    expect(error.fieldErrors).toEqual([
      expect.objectContaining({ path: "tasks[0].decisionCases.a[0].sink", message: "sink is required for task type EVENT (e)" }),
    ]);
  });

  it("names every system type it runs when it warns about an unknown one", () => {
    const { warnings } = parseCheckedWorkflowDef({ name: "checks", tasks: [task("TELEPORT")] });
    expect(warnings[0]!.message).toBe(
      `unknown task type 'TELEPORT' (t): run as a worker task polled from queue 'TELEPORT', as Conductor does; Baton's system task types are ${SUPPORTED_BEFORE.join(", ")}`,
    );
  });
});
