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
