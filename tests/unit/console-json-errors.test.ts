import { describe, expect, it } from "vitest";
import { fieldErrors, markErrors, pathSegments } from "../../src/console/json-errors.ts";

const text = JSON.stringify({ name: "w", version: 1, tasks: [{ name: "a", type: "SIMPLE" }, { name: "b", taskReferenceName: "b", type: "SWITCH", decisionCases: { x: [{ name: "c" }] } }] }, null, 2);
const lineOf = (needle: string) => text.split("\n").findIndex((line) => line.includes(needle)) + 1;

describe("the definition editor's error marks", () => {
  it("reads every field path and message out of Baton's error", () => {
    expect(fieldErrors("Invalid workflow definition: tasks[0].taskReferenceName: taskReferenceName is required; tasks[1].decisionCases.x[0].type: expected a string")).toEqual([
      { path: "tasks[0].taskReferenceName", segments: ["tasks", 0, "taskReferenceName"], message: "taskReferenceName is required" },
      { path: "tasks[1].decisionCases.x[0].type", segments: ["tasks", 1, "decisionCases", "x", 0, "type"], message: "expected a string" },
    ]);
    expect(fieldErrors("Baton is down")).toEqual([]);
    expect(pathSegments("a.b[12]")).toEqual(["a", "b", 12]);
  });

  it("marks an existing field's own line", () => {
    const [mark] = markErrors(text, fieldErrors("Invalid workflow definition: tasks[1].type: unknown task type"));
    expect(mark!.line).toBe(lineOf('"SWITCH"'));
  });

  it("marks a missing field at the object it is missing from", () => {
    const marks = markErrors(text, fieldErrors("Invalid workflow definition: tasks[0].taskReferenceName: taskReferenceName is required; tasks[1].decisionCases.x[0].taskReferenceName: taskReferenceName is required"));
    const lines = text.split("\n");
    // tasks[0] starts on the line after `"tasks": [`; the case's task on the line after `"x": [`.
    expect(marks.map((mark) => mark.line)).toEqual([lineOf('"tasks"') + 1, lineOf('"x"') + 1]);
    expect(lines[marks[0]!.line - 1]!.trim()).toBe("{");
  });

  it("finds a path the server prefixed with its argument's name", () => {
    const [mark] = markErrors(text, fieldErrors("Invalid workflow definition: definition.tasks[1].type: unknown task type"));
    expect(mark!.line).toBe(lineOf('"SWITCH"'));
  });

  it("leaves out nothing it can place and does not throw on text that is not JSON", () => {
    expect(markErrors("{ not json", fieldErrors("Invalid workflow definition: name: required"))).toEqual([{ path: "name", segments: ["name"], message: "required", line: 1 }]);
    expect(markErrors("", fieldErrors("Invalid workflow definition: name: required"))).toEqual([]);
  });
});
