import { createHash } from "node:crypto";
import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ConductorWorker, Task } from "@io-orkes/conductor-javascript";
import { renderQuotePdf } from "./pdf.ts";
import { calculateTotals, extractProducts, type Line, type Message, type PriceList, priceItems, quoteNumber, type RequestedItem, type Thread, type Totals, threadProblems } from "./quote.ts";
import type { Summariser } from "./summariser.ts";

/** Where the workers read threads and prices, and write summaries, PDFs and notifications. */
export interface QuoteWorkerDeps {
  threadsDir: string;
  priceListFile: string;
  outDir: string;
  summariser: Summariser;
  /** "Today" for the quote's date (a test may fix it). */
  now?: () => Date;
}

export const SAMPLE_THREADS = new URL("./data/threads/", import.meta.url).pathname;
export const SAMPLE_PRICES = new URL("./data/prices.json", import.meta.url).pathname;

class TerminalError extends Error {}

const worker = (taskDefName: string, run: (input: Record<string, any>, task: Task) => Promise<Record<string, unknown>>): ConductorWorker => ({
  taskDefName,
  pollInterval: 20,
  execute: async (task: Task) => {
    try {
      return { status: "COMPLETED" as const, outputData: await run((task.inputData ?? {}) as Record<string, any>, task) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { status: error instanceof TerminalError ? ("FAILED_WITH_TERMINAL_ERROR" as const) : ("FAILED" as const), reasonForIncompletion: message, outputData: { error: message } };
    }
  },
});

/** The example's workers, through the official SDK. */
export function quoteWorkers(deps: QuoteWorkerDeps): ConductorWorker[] {
  const now = deps.now ?? (() => new Date());
  const prices = async () => JSON.parse(await readFile(deps.priceListFile, "utf8")) as PriceList;
  const write = async (name: string, data: string | Uint8Array) => {
    await mkdir(deps.outDir, { recursive: true });
    const location = join(deps.outDir, name);
    await writeFile(location, data);
    return location;
  };
  return [
    worker("email_fetch_thread", async (input) => {
      const id = String(input.thread_id ?? "");
      if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new TerminalError(`thread_id: expected letters, digits, '-' or '_', got '${id}'`);
      try {
        return { thread: JSON.parse(await readFile(join(deps.threadsDir, `${id}.json`), "utf8")) as Thread };
      } catch (error) {
        throw new TerminalError(`thread ${id}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such thread" : String(error)}`);
      }
    }),
    worker("email_validate_thread", async (input) => {
      const problems = threadProblems(input.thread);
      if (problems.length > 0) throw new TerminalError(`thread ${input.thread?.id ?? "?"} cannot be summarised: ${problems.join("; ")}`);
      return { valid: true };
    }),
    worker("email_extract_messages", async (input) => {
      const thread = input.thread as Thread;
      const messages = [...thread.messages].sort((a, b) => a.date.localeCompare(b.date)).map(({ from, date, body }) => ({ from, date, body }));
      return { subject: thread.subject, messages, count: messages.length };
    }),
    worker("email_summarise", async (input) => deps.summariser.summarise(String(input.subject), input.messages as Message[])),
    worker("email_store_summary", async (input) => ({ location: await write(`summary-${input.thread_id}.json`, JSON.stringify({ thread_id: input.thread_id, summary: input.summary, model: input.model }, null, 2)) })),
    worker("quote_extract_products", async (input) => {
      const items = extractProducts(input.messages as Message[], await prices());
      if (items.length === 0) throw new TerminalError("messages: no product on the price list was asked for");
      return { items };
    }),
    worker("quote_fetch_pricing", async (input) => {
      const list = await prices();
      const skus = new Set((input.items as RequestedItem[]).map((i) => i.sku));
      return { pricing: { ...list, products: list.products.filter((p) => skus.has(p.sku)) } };
    }),
    worker("quote_calculate_totals", async (input) => {
      const pricing = input.pricing as PriceList;
      return { totals: calculateTotals(priceItems(input.items as RequestedItem[], pricing), pricing) };
    }),
    worker("quote_generate", async (input) => {
      const date = now().toISOString();
      const totals = input.totals as Totals;
      return { quote: { number: quoteNumber(date, String(input.workflow_id)), date, thread_id: input.thread_id, customer: input.customer, summary: input.summary, totals } };
    }),
    worker("quote_render_pdf", async (input) => {
      const bytes = await renderQuotePdf(input.quote);
      const location = await write(`${input.quote.number}.pdf`, bytes);
      return { location, bytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
    }),
    worker("quote_notify", async (input) => {
      const quote = input.quote as { number: string; customer: { email: string }; totals: Totals & { lines: Line[] } };
      const note = { kind: "quote_ready", to: quote.customer.email, quote: quote.number, total: quote.totals.total, currency: quote.totals.currency, pdf: input.pdf };
      await mkdir(deps.outDir, { recursive: true });
      await appendFile(join(deps.outDir, "notifications.jsonl"), `${JSON.stringify(note)}\n`);
      return { to: quote.customer.email };
    }),
    worker("quote_handle_error", async (input) => {
      const note = { kind: "quote_failed", to: "sales@acme.example", thread_id: input.thread_id, failed_workflow_id: input.failed_workflow_id, reason: input.reason };
      await mkdir(deps.outDir, { recursive: true });
      await appendFile(join(deps.outDir, "notifications.jsonl"), `${JSON.stringify(note)}\n`);
      return { reported: true };
    }),
  ];
}
