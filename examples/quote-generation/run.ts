/**
 * Runs the quote example against a Baton server: registers the definitions,
 * runs the workers on the sample threads and price list (or QUOTE_THREADS_DIR,
 * QUOTE_PRICE_LIST), writes summaries, PDFs and notifications.jsonl to
 * QUOTE_OUT_DIR (default ./data/quotes), and starts one quote per thread id
 * given on the command line.
 *
 *   npm start
 *   npx tsx examples/quote-generation/run.ts t-1001 t-2002
 *   SUMMARISER_URL=http://localhost:8000/v1 SUMMARISER_MODEL=... npx tsx examples/quote-generation/run.ts t-1001
 */
import { noopLogger, OrkesClients, TaskHandler } from "@io-orkes/conductor-javascript";
import { registerQuoteGeneration } from "./register.ts";
import { summariserFromEnv } from "./summariser.ts";
import { quoteWorkers, SAMPLE_PRICES, SAMPLE_THREADS } from "./workers.ts";

const serverUrl = process.env.BATON_URL ?? "http://localhost:8080";
const clients = await OrkesClients.from({ serverUrl });
await registerQuoteGeneration(clients);
const workers = quoteWorkers({
  threadsDir: process.env.QUOTE_THREADS_DIR ?? SAMPLE_THREADS,
  priceListFile: process.env.QUOTE_PRICE_LIST ?? SAMPLE_PRICES,
  outDir: process.env.QUOTE_OUT_DIR ?? "./data/quotes",
  summariser: summariserFromEnv(process.env),
});
const handler = new TaskHandler({ client: clients.getClient(), workers, scanForDecorated: false, logger: noopLogger });
await handler.startWorkers();
const executor = clients.getWorkflowClient();
for (const threadId of process.argv.slice(2)) {
  const id = await executor.startWorkflow({ name: "quote_generation", version: 1, input: { thread_id: threadId } });
  console.log(`quote_generation ${id} for ${threadId}`);
}
console.log("quote workers running; Ctrl-C to stop");
process.on("SIGINT", () => void handler.stopWorkers().then(() => process.exit(0)));
