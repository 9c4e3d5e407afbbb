/**
 * Runs the contact-form pipeline against a Baton server started with
 * BATON_CONTACT_API=true: registers the definitions and runs the workers
 * (emails to the outbox in CONTACT_OUTBOX_DIR, or to SMTP_URL; a mock CRM in
 * memory, failing every lead creation with CRM_FAIL=true).
 *
 *   BATON_CONTACT_API=true npm start
 *   npx tsx examples/contact-form/run.ts
 */
import { noopLogger, OrkesClients, TaskHandler } from "@io-orkes/conductor-javascript";
import { createMockCrm } from "./crm.ts";
import { mailerFromEnv } from "./mailer.ts";
import { registerContactForm } from "./register.ts";
import { contactWorkers } from "./workers.ts";

const serverUrl = process.env.BATON_URL ?? "http://localhost:8080";
const clients = await OrkesClients.from({ serverUrl });
await registerContactForm(clients, process.env.BATON_CONTACT_TOPIC);
const crm = createMockCrm({ failCreate: process.env.CRM_FAIL === "true" });
const handler = new TaskHandler({ client: clients.getClient(), workers: contactWorkers({ mailer: mailerFromEnv(process.env), crm }), scanForDecorated: false, logger: noopLogger });
await handler.startWorkers();
console.log(`contact-form workers running against ${serverUrl}; try:
  curl -XPOST ${serverUrl}/api/contact -H 'content-type: application/json' \\
    -d '{"name":"Ada","email":"ada@example.com","company":"Analytical Engines","message":"Urgent: a quote please"}'`);
setInterval(() => console.log(`CRM: ${crm.leads.size} leads; last: ${crm.log.at(-1) ?? "-"}`), 10_000).unref();
process.on("SIGINT", () => void handler.stopWorkers().then(() => process.exit(0)));
