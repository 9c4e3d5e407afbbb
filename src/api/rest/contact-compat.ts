import { Hono } from "hono";
import * as v from "valibot";
import type { Engine } from "../../engine/engine.ts";
import { validBody } from "./request.ts";

/**
 * The contact-form pipeline's original entry point (examples/contact-form),
 * mounted with BATON_CONTACT_API=true: `POST /api/contact` validates the form
 * and publishes `ContactFormSubmitted` on the bus; the example's event handler
 * starts its workflows. No Conductor route lives at `/api/contact`.
 */
export interface ContactCompatOptions {
  /** The bus topic ContactFormSubmitted is published on. */
  topic: string;
}

const text = (field: string, max: number) =>
  v.pipe(v.string(`${field} must be a string`), v.trim(), v.nonEmpty(`${field} is required`), v.maxLength(max, `${field} must be at most ${max} characters`));

const ContactFormSchema = v.object({
  name: text("name", 200),
  email: v.pipe(v.string("email must be a string"), v.trim(), v.email("email must be an email address")),
  company: v.optional(v.pipe(v.string("company must be a string"), v.trim(), v.maxLength(200, "company must be at most 200 characters"))),
  message: text("message", 5000),
});

export function contactCompatRoutes(engine: Pick<Engine, "bus" | "clock">, options: ContactCompatOptions) {
  const app = new Hono();
  app.post("/api/contact", async (c) => {
    const form = await validBody(c, ContactFormSchema, "contact form");
    const submissionId = crypto.randomUUID();
    const event = { eventType: "ContactFormSubmitted", submission_id: submissionId, ...form, company: form.company ?? "", submitted_at: new Date(engine.clock()).toISOString() };
    await engine.bus.publish(engine.bus.topicFor?.(options.topic) ?? options.topic, { key: submissionId, value: JSON.stringify(event) });
    return c.json({ submission_id: submissionId, status: "RECEIVED" }, 202);
  });
  return app;
}
