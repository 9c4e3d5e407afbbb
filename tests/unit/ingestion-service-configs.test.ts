import { describe, expect, it } from "vitest";
import { parseWorkflowDef } from "../../src/domain/definitions/check-workflow-def.ts";
import { ValidationError } from "../../src/domain/errors.ts";
import { extractServiceConfigs, rewriteTaskInputs, xmlToJson } from "../../src/domain/ingestion/service-configs.ts";

const XML = `<?xml version="1.0"?><service name="clean" version="2"><step order="1">trim</step><step order="2">dedupe</step><threshold>0.5</threshold></service>`;

const simple = (ref: string, inputParameters: Record<string, unknown> = {}) => ({ name: `svc_${ref}`, taskReferenceName: ref, type: "SIMPLE", inputParameters });

const definition = () =>
  parseWorkflowDef({
    name: "pipeline",
    version: 1,
    tasks: [
      simple("clean", { dp_config: XML, other: "${workflow.input.x}" }),
      simple("plain", { dp_config: 42 }),
      {
        name: "fork",
        taskReferenceName: "fork",
        type: "FORK_JOIN",
        forkTasks: [[simple("left", { dp_config: "<a><b>1</b></a>" })], [simple("right")]],
      },
      { name: "join", taskReferenceName: "join", type: "JOIN", joinOn: ["left", "right"] },
      {
        name: "switch",
        taskReferenceName: "switch",
        type: "SWITCH",
        evaluatorType: "value-param",
        expression: "kind",
        inputParameters: { kind: "${workflow.input.kind}" },
        decisionCases: { csv: [simple("in_case", { dp_config: "<c x='1'/>" })] },
        defaultCase: [],
      },
    ],
  });

describe("xmlToJson", () => {
  it("converts elements, attributes and typed values with fast-xml-parser", () => {
    expect(xmlToJson(XML, "f")).toEqual({
      "?xml": { "@_version": 1 },
      service: { "@_name": "clean", "@_version": 2, step: [{ "#text": "trim", "@_order": 1 }, { "#text": "dedupe", "@_order": 2 }], threshold: 0.5 },
    });
  });

  it.each([
    ["unclosed tag", "<service><step>trim</service>"],
    ["empty document", "   "],
    ["plain text", "just text"],
    ["two roots", "<a/><b/>"],
    ["two roots of one name", "<a/><a/>"],
    ["text after the root", "<a/>tail"],
  ])("rejects %s with an error naming the field", (_name, xml) => {
    let error: unknown;
    try {
      xmlToJson(xml, "workflow.tasks[0].inputParameters.dp_config");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toMatch(/^workflow\.tasks\[0\]\.inputParameters\.dp_config: invalid XML/);
    expect((error as ValidationError).fieldErrors[0]?.path).toBe("workflow.tasks[0].inputParameters.dp_config");
  });
});

describe("extractServiceConfigs", () => {
  it("finds every string dp_config, nested tasks included, with its field path", () => {
    const configs = extractServiceConfigs(definition());
    expect(configs.map((c) => [c.taskReferenceName, c.service, c.field])).toEqual([
      ["clean", "clean", "workflow.tasks[0].inputParameters.dp_config"],
      ["left", "left", "workflow.tasks[2].forkTasks[0][0].inputParameters.dp_config"],
      ["in_case", "in_case", "workflow.tasks[4].decisionCases.csv[0].inputParameters.dp_config"],
    ]);
    expect(configs[1]?.json).toEqual({ a: { b: 1 } });
  });

  it("reports every malformed document at once", () => {
    const def = definition();
    def.tasks[0]!.inputParameters.dp_config = "<broken>";
    (def.tasks[2]!.forkTasks![0]![0]!.inputParameters as Record<string, unknown>).dp_config = "<x></y>";
    let error: unknown;
    try {
      extractServiceConfigs(def);
    } catch (e) {
      error = e;
    }
    expect((error as ValidationError).fieldErrors.map((f) => f.path)).toEqual([
      "workflow.tasks[0].inputParameters.dp_config",
      "workflow.tasks[2].forkTasks[0][0].inputParameters.dp_config",
    ]);
  });

  it("makes references key-safe and distinct", () => {
    const def = parseWorkflowDef({
      name: "w",
      tasks: [simple("a b", { dp_config: "<a/>" }), simple("a_b", { dp_config: "<a/>" }), simple("../x", { dp_config: "<a/>" })],
    });
    expect(extractServiceConfigs(def).map((c) => c.service)).toEqual(["a_b", "a_b-2", "__x"]);
  });
});

describe("rewriteTaskInputs", () => {
  it("replaces dp_config with the config URI and adds the run URIs, leaving the rest and the input untouched", () => {
    const def = definition();
    const before = JSON.stringify(def);
    const rewritten = rewriteTaskInputs(def, {
      input: "s3://b/runs/r/input.in",
      output: "s3://b/runs/r/output.out",
      report: "s3://b/runs/r/report/",
      config: (ref) => `s3://b/runs/r/${ref}.json`,
    });
    expect(JSON.stringify(def)).toBe(before);
    expect(rewritten.tasks[0]!.inputParameters).toEqual({
      dp_config: "s3://b/runs/r/clean.json",
      other: "${workflow.input.x}",
      s3_input_uri: "s3://b/runs/r/input.in",
      s3_output_uri: "s3://b/runs/r/output.out",
      s3_report_uri: "s3://b/runs/r/report/",
    });
    expect(rewritten.tasks[1]!.inputParameters).toEqual({ dp_config: 42 });
    expect(rewritten.tasks[2]!.forkTasks![0]![0]!.inputParameters.dp_config).toBe("s3://b/runs/r/left.json");
    expect(rewritten.tasks[2]!.forkTasks![1]![0]!.inputParameters).toEqual({});
    expect(rewritten.tasks[4]!.decisionCases!.csv![0]!.inputParameters.dp_config).toBe("s3://b/runs/r/in_case.json");
  });
});

/** The seed's layout: a KAFKA_PUBLISH whose request message carries the XML in `data.dp_config`. */
const seedPublish = (ref: string, dpConfig: unknown, data: Record<string, unknown> = {}) => ({
  name: ref,
  taskReferenceName: ref,
  type: "KAFKA_PUBLISH",
  inputParameters: {
    kafka_request: {
      topic: "email-hygiene-requests",
      key: "${workflow.workflowId}",
      value: { workflowId: "${workflow.workflowId}", eventType: "email_hygiene_requested", data: { dp_config: dpConfig, ...data } },
    },
  },
});

const URIS = {
  input: "s3://b/runs/r/input.in",
  output: "s3://b/runs/r/output.out",
  report: "s3://b/runs/r/report/",
  config: (service: string) => `s3://b/runs/r/${service}.json`,
};
const RUN_URIS = { s3_input_uri: URIS.input, s3_output_uri: URIS.output, s3_report_uri: URIS.report };

describe("the seed's KAFKA_PUBLISH layout", () => {
  it("converts the XML inside kafka_request.value.data, naming its field", () => {
    const def = parseWorkflowDef({ name: "hygiene", tasks: [seedPublish("hygiene_ref", XML)] });
    const [config, ...more] = extractServiceConfigs(def);
    expect(more).toEqual([]);
    expect(config).toMatchObject({
      taskReferenceName: "hygiene_ref",
      service: "hygiene_ref",
      field: "workflow.tasks[0].inputParameters.kafka_request.value.data.dp_config",
    });
    expect(config!.json).toMatchObject({ service: { "@_name": "clean", threshold: 0.5 } });
  });

  it("names the nested field of malformed XML", () => {
    const def = parseWorkflowDef({ name: "hygiene", tasks: [seedPublish("hygiene_ref", "<service><step>trim</service>")] });
    expect(() => extractServiceConfigs(def)).toThrow(/^workflow\.tasks\[0\]\.inputParameters\.kafka_request\.value\.data\.dp_config: invalid XML/);
  });

  it("puts the config URI and the run URIs inside the published message, where the service reads them", () => {
    const def = parseWorkflowDef({ name: "hygiene", tasks: [seedPublish("hygiene_ref", XML, { email: "${workflow.input.email}" })] });
    const rewritten = rewriteTaskInputs(def, URIS);
    const request = rewritten.tasks[0]!.inputParameters.kafka_request as any;
    expect(request.topic).toBe("email-hygiene-requests");
    expect(request.value).toEqual({
      workflowId: "${workflow.workflowId}",
      eventType: "email_hygiene_requested",
      data: { dp_config: "s3://b/runs/r/hygiene_ref.json", email: "${workflow.input.email}", ...RUN_URIS },
    });
    // Nothing is added outside the message: it would never reach the service.
    expect(Object.keys(rewritten.tasks[0]!.inputParameters)).toEqual(["kafka_request"]);
    expect((def.tasks[0]!.inputParameters.kafka_request as any).value.data.dp_config).toBe(XML);
  });

  it("copies a KAFKA_PUBLISH's top-level dp_config URI and the run URIs into its message", () => {
    const def = parseWorkflowDef({
      name: "hygiene",
      tasks: [
        {
          name: "p",
          taskReferenceName: "p",
          type: "KAFKA_PUBLISH",
          inputParameters: { dp_config: "<a/>", kafka_request: { topic: "t", value: { email: "x" } } },
        },
      ],
    });
    const rewritten = rewriteTaskInputs(def, URIS);
    expect(rewritten.tasks[0]!.inputParameters).toEqual({
      dp_config: "s3://b/runs/r/p.json",
      ...RUN_URIS,
      kafka_request: { topic: "t", value: { email: "x", dp_config: "s3://b/runs/r/p.json", ...RUN_URIS } },
    });
  });

  it("gives every dp_config of one task its own file", () => {
    const def = parseWorkflowDef({
      name: "two",
      tasks: [{ ...seedPublish("pub", "<a/>"), inputParameters: { ...seedPublish("pub", "<a/>").inputParameters, dp_config: "<b/>" } }],
    });
    const configs = extractServiceConfigs(def);
    expect(configs.map((c) => [c.service, c.field, c.json])).toEqual([
      ["pub", "workflow.tasks[0].inputParameters.dp_config", { b: "" }],
      ["pub-2", "workflow.tasks[0].inputParameters.kafka_request.value.data.dp_config", { a: "" }],
    ]);
    const rewritten = rewriteTaskInputs(def, URIS).tasks[0]!.inputParameters as any;
    expect(rewritten.dp_config).toBe("s3://b/runs/r/pub.json");
    expect(rewritten.kafka_request.value.data.dp_config).toBe("s3://b/runs/r/pub-2.json");
  });
});

