import type { ConductorWorker, Task } from "@io-orkes/conductor-javascript";
import type { MockCrm } from "./crm.ts";
import { type MailPort, renderConfirmation } from "./mailer.ts";

const FROM = "Acme Sales <hello@acme.example>";

const worker = (taskDefName: string, run: (input: Record<string, any>) => Promise<Record<string, unknown>> | Record<string, unknown>): ConductorWorker => ({
  taskDefName,
  pollInterval: 20,
  execute: async (task: Task) => {
    try {
      return { status: "COMPLETED" as const, outputData: await run((task.inputData ?? {}) as Record<string, any>) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { status: "FAILED" as const, reasonForIncompletion: message, outputData: { error: message } };
    }
  },
});

/** Tags from the form: every lead is `web-form`; a company makes it `b2b`; "urgent" in the message makes it `urgent`. */
export function tagsFor(form: { company?: string | null; message?: string | null }): string[] {
  return ["web-form", ...(form.company ? ["b2b"] : []), ...(/\burgent\b/i.test(form.message ?? "") ? ["urgent"] : [])];
}

/** The pipeline's workers, through the official SDK: rendering and sending, and the CRM steps with their compensations. */
export function contactWorkers({ mailer, crm }: { mailer: MailPort; crm: MockCrm }): ConductorWorker[] {
  return [
    worker("contact_render_email", (input) =>
      renderConfirmation({ name: input.name, company: input.company || undefined, message: input.message, submission_id: input.submission_id }),
    ),
    worker("contact_send_email", (input) => mailer.send({ from: FROM, to: input.to, subject: input.subject, html: input.html, text: input.text })),
    worker("lead_tag", (input) => ({ tags: crm.tag(input.submission_id, tagsFor(input)) })),
    worker("lead_assign_owner", (input) => ({ owner: crm.assign(input.submission_id) })),
    worker("lead_create_crm", (input) => {
      const lead = crm.createLead(input.submission_id, input.email);
      return { leadId: lead.leadId };
    }),
    worker("lead_release_owner", (input) => {
      crm.unassign(input.submission_id);
      return { released: true };
    }),
    worker("lead_remove_tags", (input) => {
      crm.untag(input.submission_id);
      return { removed: true };
    }),
  ];
}
