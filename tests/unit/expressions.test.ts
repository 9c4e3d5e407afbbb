/**
 * Parameter expressions as Conductor's ParametersUtils evaluates them:
 * `${workflow.input.x}`, `${ref.output.a[0].b}`, typed or interpolated.
 */
import { describe, expect, it } from "vitest";
import { evaluatePath, resolveParameters, resolveValue } from "../../src/domain/expressions.ts";

const document = {
  workflow: {
    workflowId: "wf-1",
    input: { orderId: 42, express: true, customer: { name: "Ann", tier: "gold" }, tags: ["a", "b"], note: null, key: "orderId" },
    output: {},
  },
  fetch: {
    output: {
      total: 99.5,
      items: [
        { sku: "A-1", qty: 2, price: 10 },
        { sku: "B-2", qty: 1, price: 79.5 },
      ],
    },
  },
  "load-data": { output: { rows: 12 } },
};

describe("typed substitution (the whole value is one ${…})", () => {
  it.each([
    ["an object", "${workflow.input.customer}", { name: "Ann", tier: "gold" }],
    ["a number", "${workflow.input.orderId}", 42],
    ["a float", "${fetch.output.total}", 99.5],
    ["a boolean", "${workflow.input.express}", true],
    ["an array", "${workflow.input.tags}", ["a", "b"]],
    ["null", "${workflow.input.note}", null],
  ])("keeps %s as it is", (_what, expression, expected) => {
    expect(resolveParameters({ value: expression }, document)).toEqual({ value: expected });
  });

  it("gives null for a path that does not resolve (JsonPath SUPPRESS_EXCEPTIONS)", () => {
    expect(resolveParameters({ a: "${workflow.input.missing}", b: "${nosuchtask.output.x}", c: "${fetch.output.items[9].sku}" }, document)).toEqual({
      a: null,
      b: null,
      c: null,
    });
  });
});

describe("string interpolation (text around or between expressions)", () => {
  it("replaces each expression with its value as text", () => {
    expect(resolveValue("order ${workflow.input.orderId} for ${workflow.input.customer.name}: ${fetch.output.total}", document)).toBe(
      "order 42 for Ann: 99.5",
    );
  });

  it("writes a missing value as the text null", () => {
    expect(resolveValue("note=${workflow.input.missing}", document)).toBe("note=null");
  });

  it("leaves text without expressions alone", () => {
    expect(resolveValue("plain $ text {not} an expression", document)).toBe("plain $ text {not} an expression");
  });
});

describe("paths", () => {
  it("indexes arrays", () => {
    expect(resolveValue("${fetch.output.items[1].sku}", document)).toBe("B-2");
    expect(resolveValue("${workflow.input.tags[0]}", document)).toBe("a");
  });

  it("supports JSONPath filters", () => {
    expect(evaluatePath("fetch.output.items[?(@.qty > 1)].sku", document)).toEqual(["A-1"]);
    expect(evaluatePath("fetch.output.items[?(@.price < 100)].sku", document)).toEqual(["A-1", "B-2"]);
  });

  it("supports wildcards and deep scan", () => {
    expect(evaluatePath("fetch.output.items[*].sku", document)).toEqual(["A-1", "B-2"]);
    expect(evaluatePath("fetch.output..qty", document)).toEqual([2, 1]);
  });

  it("reads task references that contain hyphens", () => {
    expect(resolveParameters({ rows: "${load-data.output.rows}" }, document)).toEqual({ rows: 12 });
  });

  it("gives a whole task or workflow entry for a bare reference", () => {
    expect(evaluatePath("load-data", document)).toEqual({ output: { rows: 12 } });
  });

  it("tolerates spaces inside the braces", () => {
    expect(resolveValue("${ workflow.input.orderId }", document)).toBe(42);
  });
});

describe("parameter trees", () => {
  it("resolves strings inside nested objects and arrays, passing other scalars through", () => {
    const parameters = {
      order: { id: "${workflow.input.orderId}", lines: ["${fetch.output.items[0].sku}", { qty: "${fetch.output.items[0].qty}" }] },
      limit: 10,
      enabled: false,
      nothing: null,
      label: "#${workflow.input.orderId}",
    };
    expect(resolveParameters(parameters, document)).toEqual({
      order: { id: 42, lines: ["A-1", { qty: 2 }] },
      limit: 10,
      enabled: false,
      nothing: null,
      label: "#42",
    });
  });

  it("does not change the parameters it is given", () => {
    const parameters = { id: "${workflow.input.orderId}" };
    resolveParameters(parameters, document);
    expect(parameters).toEqual({ id: "${workflow.input.orderId}" });
  });
});

describe("escaping", () => {
  it("keeps $${…} as a literal ${…}, alone or in text", () => {
    expect(resolveValue("$${workflow.input.orderId}", document)).toBe("${workflow.input.orderId}");
    expect(resolveValue("id=${workflow.input.orderId}, template=$${workflow.input.orderId}", document)).toBe(
      "id=42, template=${workflow.input.orderId}",
    );
  });
});
