import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/api/config.ts";
import { type RunningServer, type ServiceOverrides, startServer } from "../../src/api/node.ts";
import { restartPointFor } from "../../src/projections/retry-suggestion.ts";
import { http } from "../support/baton.ts";
import { MAIL_DOMAINS } from "../support/mail-domains.ts";

/**
 * The seed's data services inside Baton on the embedded defaults (memory store,
 * in-process bus, every service on): the email + phone validation FORK_JOIN
 * that ships in src/services/workflows completes with each address's and
 * number's result in its output. DNS is the table in tests/support/mail-domains.ts.
 */
const DEFINITION = new URL("../../src/services/workflows/email_phone_validation.json", import.meta.url);

let server: (RunningServer & { url: string }) | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function boot(env: Record<string, string> = {}, overrides: ServiceOverrides = {}) {
  const running = await startServer(loadConfig({ PORT: "0", HOST: "127.0.0.1", BATON_EVENT_STORE: "memory", BATON_SWEEP_INTERVAL_MS: "50", ...env }), {
    services: { adapters: { lookupMailDomain: MAIL_DOMAINS }, ...overrides },
  });
  server = { ...running, url: `http://127.0.0.1:${running.port}` };
  const call = (method: string, path: string, body?: unknown) => http(server!.url, method, path, body);
  const registered = await call("POST", "/api/metadata/workflow", JSON.parse(await readFile(DEFINITION, "utf8")));
  expect(registered.status, registered.text).toBe(200);
  const start = async (input: Record<string, unknown>) => {
    const response = await call("POST", "/api/workflow", { name: "email_phone_validation", input });
    expect(response.status, response.text).toBe(200);
    return response.text;
  };
  return { call, start, engine: running.engine };
}

describe("the seed's email + phone validation workflow on the embedded defaults", () => {
  it("completes with every address's and number's validation in its output", async () => {
    const { start, engine } = await boot();
    const id = await start({
      emails: ["ada.lovelace@example.com", "alan@example.org", "not an address", "emmy@example.net", "ghost@nowhere.example"],
      phones: ["+44 20 7946 0958", "030 901820", "+33 6 12 34 56 78", "+1 999 555 0100"],
      default_country: "DE",
    });
    const done = await engine.waitForWorkflow(id, Date.now() + 20_000);
    expect(done.status, done.reasonForIncompletion).toBe("COMPLETED");
    const output = done.output as {
      emails_valid: boolean;
      phones_valid: boolean;
      emails: { email: string; valid: boolean; reason?: string; mx_records?: string[] }[];
      phones: { phone: string; valid: boolean; country?: string; line_type?: string; e164?: string }[];
    };
    expect(output.emails_valid).toBe(false);
    expect(output.emails.map((e) => [e.email, e.valid, e.reason])).toEqual([
      ["ada.lovelace@example.com", true, undefined],
      ["alan@example.org", true, undefined],
      ["not an address", false, "not a valid email address (syntax)"],
      ["emmy@example.net", false, "the domain example.net accepts no mail (null MX)"],
      ["ghost@nowhere.example", false, "the domain nowhere.example does not exist"],
    ]);
    expect(output.emails[0]!.mx_records).toEqual(["mx1.example.com", "mx2.example.com"]);
    expect(output.phones_valid).toBe(false);
    expect(output.phones.map((p) => [p.phone, p.valid, p.country, p.line_type, p.e164])).toEqual([
      ["+44 20 7946 0958", true, "GB", "fixed_line", "+442079460958"],
      ["030 901820", true, "DE", "fixed_line", "+4930901820"],
      ["+33 6 12 34 56 78", true, "FR", "mobile", "+33612345678"],
      ["+1 999 555 0100", false, undefined, "unknown", "+19995550100"],
    ]);
    // Both replies came through the router onto the EVENT tasks, in the seed's shape.
    for (const ref of ["wait_email_validation_ref", "wait_phone_validation_ref"]) {
      const task = done.tasks.find((t) => t.referenceTaskName === ref)!;
      expect(task).toMatchObject({ status: "COMPLETED", workerId: "baton:router" });
      expect(task.outputData).toMatchObject({ status: "completed", timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    }
  });

  it("fails the workflow with the service's words on a bad request", async () => {
    const { start, engine } = await boot();
    const id = await start({ emails: ["ada.lovelace@example.com"] });
    const done = await engine.waitForWorkflow(id, Date.now() + 20_000);
    expect(done.status).toBe("FAILED");
    const wait = done.tasks.find((t) => t.referenceTaskName === "wait_phone_validation_ref")!;
    expect(wait).toMatchObject({ status: "FAILED", reasonForIncompletion: "phone-validator: data.phones must be a list of strings, got null" });
  });

  it("shows a simulated fault failing the workflow, and the suggested rerun succeeding", async () => {
    // Fault rate 0.5: the first draw (0.1) faults, every later one (0.9) does not.
    const draws = [0.1];
    const { call, start, engine } = await boot({ BATON_EMAIL_VALIDATOR_FAULT_RATE: "0.5" }, { random: () => draws.shift() ?? 0.9 });
    const id = await start({ emails: ["ada.lovelace@example.com"], phones: ["+44 20 7946 0958"] });
    const failed = await engine.waitForWorkflow(id, Date.now() + 20_000);
    expect(failed.status).toBe("FAILED");
    expect(failed.tasks.find((t) => t.referenceTaskName === "wait_email_validation_ref")).toMatchObject({
      status: "FAILED",
      reasonForIncompletion: "email-validator: simulated fault (fault rate 0.5)",
    });
    const suggestion = restartPointFor(failed);
    expect(suggestion).toMatchObject({ reRunFromTaskRefName: "request_email_validation_ref" });
    expect(suggestion!.reason).toContain("email-validator: simulated fault (fault rate 0.5)");
    const rerun = await call("POST", "/retry-workflow", { workflowId: id, reRunFromTaskRefName: suggestion!.reRunFromTaskRefName, resetTasks: suggestion!.resetTasks });
    expect(rerun.status, rerun.text).toBe(200);
    const done = await engine.waitForWorkflow(id, Date.now() + 20_000, (w) => w.status === "COMPLETED" || (w.status === "FAILED" && w.tasks.length > failed.tasks.length));
    expect(done.status, done.reasonForIncompletion).toBe("COMPLETED");
    expect(done.output).toMatchObject({ emails_valid: true, phones_valid: true });
  });

  it("answers enrichment and reverse lookups from the bundled directory through the bus", async () => {
    const { call, engine } = await boot();
    const ask = (name: string, topic: string, eventType: string) => [
      {
        name: `request_${name}`,
        taskReferenceName: `request_${name}_ref`,
        type: "KAFKA_PUBLISH",
        inputParameters: { kafka_request: { topic, value: { workflowId: "${workflow.workflowId}", data: { email: "${workflow.input.email}" } } } },
      },
      { name: `wait_${name}`, taskReferenceName: `wait_${name}_ref`, type: "EVENT", sink: `conductor:${eventType}`, asyncComplete: true },
    ];
    const definition = {
      name: "contact_lookup",
      version: 1,
      tasks: [...ask("enrichment", "enrichment-requests", "enrichment_completed"), ...ask("reverse", "reverse-email-requests", "reverse_email_completed")],
      outputParameters: { enriched: "${wait_enrichment_ref.output.results[0]}", identity: "${wait_reverse_ref.output.results[0]}" },
    };
    expect((await call("POST", "/api/metadata/workflow", definition)).status).toBe(200);
    const started = await call("POST", "/api/workflow", { name: "contact_lookup", input: { email: "emmy.noether@example.net" } });
    const done = await engine.waitForWorkflow(started.text, Date.now() + 20_000);
    expect(done.status, done.reasonForIncompletion).toBe("COMPLETED");
    expect(done.output).toMatchObject({
      enriched: { found: true, person: { name: "Emmy Noether", title: "Chief Architect" }, company: { name: "Example Networks GmbH", industry: "Telecommunications" } },
      identity: { found: true, name: "Emmy Noether", phone: "+49 30 901820", company_name: "Example Networks GmbH" },
    });
  });

  it("runs only the services BATON_SERVICES names", async () => {
    const { start, engine } = await boot({ BATON_SERVICES: "phone-validator" });
    const id = await start({ emails: ["ada.lovelace@example.com"], phones: ["+44 20 7946 0958"] });
    const waiting = await engine.waitForWorkflow(id, Date.now() + 20_000, (w) =>
      w.tasks.some((t) => t.referenceTaskName === "wait_phone_validation_ref" && t.status === "COMPLETED"),
    );
    expect(waiting.status).toBe("RUNNING");
    expect(waiting.tasks.find((t) => t.referenceTaskName === "wait_email_validation_ref")?.status).toBe("IN_PROGRESS");
  });
});

describe("npm run worker", () => {
  const worker = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "src/services/worker.ts", ...args], {
        cwd: new URL("../..", import.meta.url).pathname,
        env: { ...process.env, BATON_BUS: "", KAFKA_BROKERS: "", ...env },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("exit", (code) => resolve({ code, stderr }));
    });

  it("refuses an unknown service and a bus other than Kafka with exit code 2, saying why", async () => {
    const unknown = await worker(["email-validator", "spam-filter"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("baton worker: unknown service 'spam-filter'; known: email-validator, phone-validator, enricher, reverse-email");
    const memory = await worker(["email-validator"]);
    expect(memory.code).toBe(2);
    expect(memory.stderr).toContain("baton worker: BATON_BUS must be kafka (with KAFKA_BROKERS)");
    const none = await worker([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("usage: npm run worker -- <service>");
  });
});
