import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { noopLogger, TaskHandler } from "@io-orkes/conductor-javascript";
import { PDFArray, PDFDocument, PDFRawStream } from "pdf-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerQuoteGeneration } from "../../examples/quote-generation/register.ts";
import { localSummariser, openAiSummariser } from "../../examples/quote-generation/summariser.ts";
import { quoteWorkers, SAMPLE_PRICES, SAMPLE_THREADS } from "../../examples/quote-generation/workers.ts";
import { eventually, http, sdkClients, startBaton, type TestBaton } from "../support/baton.ts";

/**
 * examples/quote-generation end to end on the embedded defaults: the quote
 * workflow runs the summarisation as a SUB_WORKFLOW, prices the sample thread
 * against the sample price list, renders the PDF with pdf-lib and notifies;
 * an invalid thread fails it and `handle_error` reports the failure.
 */

/** The text a PDF page shows: its content streams inflated, the `<hex> Tj` strings decoded. */
async function pdfText(bytes: Uint8Array): Promise<{ title: string | undefined; pages: number; text: string }> {
  const doc = await PDFDocument.load(bytes);
  const shown: string[] = [];
  for (const page of doc.getPages()) {
    const contents = page.node.Contents();
    const streams = contents instanceof PDFArray ? contents.asArray().map((ref) => doc.context.lookup(ref)) : [contents];
    for (const stream of streams) {
      if (!(stream instanceof PDFRawStream)) continue;
      const raw = Buffer.from(stream.getContents());
      const decoded = stream.dict.toString().includes("FlateDecode") ? inflateSync(raw).toString("latin1") : raw.toString("latin1");
      for (const match of decoded.matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g)) shown.push(Buffer.from(match[1]!, "hex").toString("latin1"));
    }
  }
  return { title: doc.getTitle(), pages: doc.getPageCount(), text: shown.join("\n") };
}

describe("quote generation example", () => {
  let baton: TestBaton;
  let handler: TaskHandler;
  let outDir: string;
  const today = new Date("2026-12-03T10:00:00Z");

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), "baton-quotes-"));
    baton = await startBaton();
    const clients = await sdkClients(baton.url);
    await registerQuoteGeneration(clients);
    const workers = quoteWorkers({ threadsDir: SAMPLE_THREADS, priceListFile: SAMPLE_PRICES, outDir, summariser: localSummariser(), now: () => today });
    handler = new TaskHandler({ client: clients.getClient(), workers, scanForDecorated: false, logger: noopLogger });
    await handler.startWorkers();
  });

  afterAll(async () => {
    await handler?.stopWorkers();
    await baton?.close();
    await rm(outDir, { recursive: true, force: true });
  });

  const run = async (threadId: string) => {
    const started = await http(baton.url, "POST", "/api/workflow/quote_generation", { thread_id: threadId });
    expect(started.status, started.text).toBe(200);
    return eventually(async () => {
      const workflow = (await http(baton.url, "GET", `/api/workflow/${started.text}?includeTasks=true`)).json();
      return workflow.status === "RUNNING" ? undefined : workflow;
    });
  };

  it("quotes the sample thread: the later quantity wins, 5% volume discount, 8.25% tax, a numbered PDF showing the total", async () => {
    const workflow = await run("t-1001");
    expect(workflow.status, `${workflow.reasonForIncompletion} ${JSON.stringify((workflow.tasks ?? []).filter((t: any) => t.status !== "COMPLETED").map((t: any) => [t.referenceTaskName, t.reasonForIncompletion]))}`).toBe("COMPLETED");
    // 40 x 120 + 3 x 1500 + 12 x 89.50 = 10,374.00; 5% off = 518.70; tax 8.25% of 9,855.30 = 813.06.
    expect(workflow.output).toMatchObject({ total: 10668.36, currency: "USD", notified: "purchasing@northwind.example" });
    const totals = workflow.tasks.find((t: any) => t.referenceTaskName === "calculate_totals").outputData.totals;
    expect(totals.lines.map((l: any) => [l.sku, l.quantity, l.amount])).toEqual([["WID-PRO", 40, 4800], ["SUP-GOLD", 3, 4500], ["SEN-KIT", 12, 1074]]);
    expect(totals).toMatchObject({ subtotal: 10374, discount: 518.7, discountLabel: "volume discount 5%", tax: 813.06, total: 10668.36 });

    const quoteNumber = workflow.output.quote_number as string;
    expect(quoteNumber).toMatch(/^Q-20261203-[0-9A-F]{6}$/);
    expect(quoteNumber.slice(-6)).toBe(workflow.workflowId.replace(/-/g, "").slice(0, 6).toUpperCase());

    // The summary came from the sub-workflow, which ran the local summariser and stored its result.
    const sub = workflow.tasks.find((t: any) => t.referenceTaskName === "summarise");
    expect(sub.taskType).toBe("SUB_WORKFLOW");
    const child = (await http(baton.url, "GET", `/api/workflow/${sub.outputData.subWorkflowId}`)).json();
    expect(child).toMatchObject({ workflowName: "email_summarisation", status: "COMPLETED" });
    expect(child.output.summary).toContain("Quote for widgets and support (3 messages)");
    expect(child.output.summary).toContain("- Yes, add 12 Sensor Kits.");
    expect(JSON.parse(await readFile(child.output.stored_at, "utf8"))).toMatchObject({ thread_id: "t-1001", model: "local" });

    const pdf = await pdfText(await readFile(workflow.output.pdf));
    expect(pdf.pages).toBe(1);
    expect(pdf.title).toBe(quoteNumber);
    expect(pdf.text).toContain(`Quote ${quoteNumber}`);
    expect(pdf.text).toContain("Total: USD 10,668.36");
    expect(pdf.text).toContain("Widget Pro licence (WID-PRO)");

    const notes = (await readFile(join(outDir, "notifications.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    expect(notes).toContainEqual({ kind: "quote_ready", to: "purchasing@northwind.example", quote: quoteNumber, total: 10668.36, currency: "USD", pdf: workflow.output.pdf });
  });

  it("applies no discount under the threshold", async () => {
    const workflow = await run("t-2002");
    expect(workflow.status, `${workflow.reasonForIncompletion} ${JSON.stringify((workflow.tasks ?? []).filter((t: any) => t.status !== "COMPLETED").map((t: any) => [t.referenceTaskName, t.reasonForIncompletion]))}`).toBe("COMPLETED");
    // 2 x 89.50 = 179.00; tax 8.25% = 14.77.
    expect(workflow.output.total).toBe(193.77);
    expect((await pdfText(await readFile(workflow.output.pdf))).text).toContain("Total: USD 193.77");
  });

  it("fails on an invalid thread, naming its problems, and handle_error reports it", async () => {
    const workflow = await run("t-bad");
    expect(workflow.status).toBe("FAILED");
    const errorRun = await eventually(async () => {
      const found = (await http(baton.url, "GET", `/api/workflow/search?query=${encodeURIComponent("workflowType = 'handle_error'")}`)).json();
      return found.results.find((r: any) => r.status === "COMPLETED");
    });
    const report = (await http(baton.url, "GET", `/api/workflow/${errorRun.workflowId}`)).json();
    expect(report.input).toMatchObject({ workflowId: workflow.workflowId, thread_id: "t-bad" });
    const notes = (await readFile(join(outDir, "notifications.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    const failed = notes.find((n) => n.kind === "quote_failed");
    expect(failed).toMatchObject({ thread_id: "t-bad", failed_workflow_id: workflow.workflowId });
    expect(failed.reason).toContain("subject: expected a non-empty string");
    expect(failed.reason).toContain("messages: expected at least one message");
  });
});

describe("the summariser port's OpenAI-compatible option", () => {
  let server: Server;
  let url: string;
  const requests: any[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        requests.push({ path: req.url, auth: req.headers.authorization, body: JSON.parse(body) });
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ model: "tiny-1", choices: [{ message: { role: "assistant", content: "Customer wants 2 sensor kits." } }] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("posts the thread to <url>/chat/completions and returns the first choice", async () => {
    const result = await openAiSummariser({ baseUrl: url, model: "tiny-1", apiKey: "k" }).summarise("Small order", [{ from: "a@b", date: "2026-12-02", body: "We need 2 Sensor Kits." }]);
    expect(result).toEqual({ summary: "Customer wants 2 sensor kits.", model: "tiny-1" });
    expect(requests[0]).toMatchObject({ path: "/v1/chat/completions", auth: "Bearer k", body: { model: "tiny-1", temperature: 0 } });
    expect(requests[0].body.messages[1].content).toContain("We need 2 Sensor Kits.");
  });
});
