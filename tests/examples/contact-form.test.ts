import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { noopLogger, TaskHandler } from "@io-orkes/conductor-javascript";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMockCrm } from "../../examples/contact-form/crm.ts";
import { EVENTS_TOPIC } from "../../examples/contact-form/definitions.ts";
import { outboxMailer, renderConfirmation, smtpMailer } from "../../examples/contact-form/mailer.ts";
import { registerContactForm } from "../../examples/contact-form/register.ts";
import { contactWorkers } from "../../examples/contact-form/workers.ts";
import { eventually, http, sdkClients, startBaton, type TestBaton } from "../support/baton.ts";

/**
 * examples/contact-form end to end on the embedded defaults: `POST /api/contact`
 * (BATON_CONTACT_API) publishes ContactFormSubmitted on the in-process bus, the
 * event handler starts the mailer and the lead workflow in parallel, SDK
 * workers render (Mustache), send (the outbox), and drive the mock CRM; a CRM
 * failure runs the compensation workflow.
 */

/** The body of one MIME part of a nodemailer message (quoted-printable decoded). */
function part(eml: string, contentType: string): string {
  const start = eml.indexOf(`Content-Type: ${contentType}`);
  if (start < 0) throw new Error(`no ${contentType} part in\n${eml}`);
  const body = eml.slice(eml.indexOf("\n\n", start) + 2, eml.indexOf("\n----", start));
  return body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

describe("contact-form pipeline example", () => {
  let baton: TestBaton;
  let handler: TaskHandler;
  let outbox: string;
  const crm = createMockCrm();
  const published: { eventType: string; [key: string]: unknown }[] = [];

  beforeAll(async () => {
    outbox = await mkdtemp(join(tmpdir(), "baton-outbox-"));
    baton = await startBaton({ env: { BATON_CONTACT_API: "true" } });
    baton.engine.bus.subscribe(EVENTS_TOPIC, async (message) => void published.push(JSON.parse(message.value)));
    const clients = await sdkClients(baton.url);
    await registerContactForm(clients);
    handler = new TaskHandler({ client: clients.getClient(), workers: contactWorkers({ mailer: outboxMailer(outbox), crm }), scanForDecorated: false, logger: noopLogger });
    await handler.startWorkers();
  });

  afterAll(async () => {
    await handler?.stopWorkers();
    await baton?.close();
    await rm(outbox, { recursive: true, force: true });
  });

  const submit = async (form: Record<string, unknown>) => {
    const response = await http(baton.url, "POST", "/api/contact", form);
    expect(response.status, response.text).toBe(202);
    return response.json().submission_id as string;
  };

  const ended = (name: string, submissionId: string) =>
    eventually(async () => {
      const found = (await http(baton.url, "GET", `/api/workflow/${name}/correlated/${submissionId}?includeClosed=true&includeTasks=true`)).json() as any[];
      return found.find((w) => w.status !== "RUNNING");
    });

  it("sends the rendered confirmation to the outbox and creates the CRM lead, publishing both events", async () => {
    const submissionId = await submit({ name: "Ada <Lovelace>", email: "ada@example.com", company: "Analytical Engines", message: "Urgent: we need 3 engines." });
    const [mailer, lead] = await Promise.all([ended("contact_mailer", submissionId), ended("contact_lead", submissionId)]);
    expect(mailer.status).toBe("COMPLETED");
    expect(lead.status).toBe("COMPLETED");

    // The outbox holds the message the mailer workflow reports, rendered by Mustache.
    const files = (await readdir(outbox)).filter((f) => f.startsWith(mailer.output.messageId));
    expect(files).toHaveLength(1);
    const eml = await readFile(join(outbox, files[0]!), "utf8");
    expect(eml).toContain("To: ada@example.com");
    expect(eml).toContain("Subject: We received your message, Ada <Lovelace>");
    expect(eml).toContain("multipart/alternative");
    const text = part(eml, "text/plain");
    expect(text).toContain("Hello Ada <Lovelace>,");
    expect(text).toContain("on behalf of Analytical Engines");
    expect(text).toContain(`Your reference is ${submissionId}.`);
    const html = part(eml, "text/html");
    expect(html).toContain("<p>Hello Ada &lt;Lovelace&gt;,</p>");
    expect(html).toContain("<strong>Analytical Engines</strong>");

    // The CRM: one lead, with the owner and the tags the earlier steps set.
    const crmLead = [...crm.leads.values()].find((l) => l.submissionId === submissionId);
    expect(crmLead).toEqual({ leadId: lead.output.leadId, submissionId, email: "ada@example.com", owner: lead.output.owner, tags: ["web-form", "b2b", "urgent"] });
    expect(crm.owners.get(submissionId)).toBe(lead.output.owner);

    await eventually(async () => (published.filter((e) => e.submission_id === submissionId).length === 2 ? true : undefined));
    const events = published.filter((e) => e.submission_id === submissionId);
    expect(events.find((e) => e.eventType === "EmailDispatched")).toMatchObject({ messageId: mailer.output.messageId, to: "ada@example.com", workflowId: mailer.workflowId });
    expect(events.find((e) => e.eventType === "WorkflowCompleted")).toMatchObject({ workflow: "contact_lead", leadId: lead.output.leadId, workflowId: lead.workflowId });
  });

  it("undoes the owner and the tags, latest first, when the CRM refuses the lead; the email still goes out", async () => {
    crm.failCreate = true;
    try {
      const submissionId = await submit({ name: "Grace", email: "grace@example.com", message: "Call me back" });
      const lead = await ended("contact_lead", submissionId);
      expect(lead.status).toBe("FAILED");
      expect(lead.reasonForIncompletion).toContain("CRM unavailable");
      const compensation = await ended("contact_lead_compensation", submissionId);
      expect(compensation.status).toBe("COMPLETED");
      expect(compensation.input.workflowId).toBe(lead.workflowId);

      expect(crm.owners.has(submissionId)).toBe(false);
      expect(crm.tags.has(submissionId)).toBe(false);
      expect([...crm.leads.values()].some((l) => l.submissionId === submissionId)).toBe(false);
      expect(crm.log.filter((line) => line.includes(submissionId)).map((line) => line.split(" ")[0])).toEqual(["tag", "assign", "create", "unassign", "untag"]);

      // The event history of the compensation: the release ran before the untagging.
      const timeline = (await http(baton.url, "GET", `/api/workflow/${compensation.workflowId}/timeline`)).json() as { type: string; taskRef?: string }[];
      const completedRefs = timeline.filter((e) => e.type === "TaskCompleted").map((e) => e.taskRef);
      expect(completedRefs.indexOf("release_owner")).toBeGreaterThan(-1);
      expect(completedRefs.indexOf("remove_tags")).toBeGreaterThan(completedRefs.indexOf("release_owner"));
      await eventually(async () => published.find((e) => e.submission_id === submissionId && e.eventType === "WorkflowCompensated"));
      expect(published.some((e) => e.submission_id === submissionId && e.eventType === "WorkflowCompleted")).toBe(false);

      const mailer = await ended("contact_mailer", submissionId);
      expect(mailer.status).toBe("COMPLETED");
      expect((await readdir(outbox)).some((f) => f.startsWith(mailer.output.messageId))).toBe(true);
    } finally {
      crm.failCreate = false;
    }
  });

  it("rejects an invalid form naming each field, and publishes nothing", async () => {
    const before = published.length;
    const response = await http(baton.url, "POST", "/api/contact", { name: " ", email: "not-an-address", message: "hi" });
    expect(response.status).toBe(400);
    expect(response.text).toContain("name is required");
    expect(response.text).toContain("email must be an email address");
    expect(published.length).toBe(before);
  });
});

describe("the contact form's real SMTP option", () => {
  it("delivers the rendered confirmation to an SMTP server", async () => {
    const received: { from: string; to: string[]; data: string }[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      onData(stream, session, callback) {
        let data = "";
        stream.on("data", (chunk: Buffer) => (data += chunk.toString("utf8")));
        stream.on("end", () => {
          received.push({ from: String(session.envelope.mailFrom && session.envelope.mailFrom.address), to: session.envelope.rcptTo.map((r) => r.address), data });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    try {
      const port = (server.server.address() as { port: number }).port;
      const rendered = await renderConfirmation({ name: "Linus", message: "Hello", submission_id: "s-1" });
      const sent = await smtpMailer(`smtp://127.0.0.1:${port}`).send({ from: "hello@acme.example", to: "linus@example.com", ...rendered });
      expect(sent.accepted).toEqual(["linus@example.com"]);
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ from: "hello@acme.example", to: ["linus@example.com"] });
      expect(received[0]!.data).toContain("Subject: We received your message, Linus");
      expect(received[0]!.data).toContain(sent.messageId);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
