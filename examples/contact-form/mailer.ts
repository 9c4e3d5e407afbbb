import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import Mustache from "mustache";
import nodemailer from "nodemailer";

/** A confirmation email, ready to send. */
export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** The SMTP port: sends one email and says under which message id. */
export interface MailPort {
  send(email: OutgoingEmail): Promise<{ messageId: string; accepted: string[] }>;
}

/** What the confirmation templates are filled with. */
export interface ConfirmationView {
  name: string;
  company?: string;
  message: string;
  submission_id: string;
}

const templates = new URL("./templates/", import.meta.url);

/** Renders the confirmation with Mustache: HTML (escaped) and text (verbatim, triple braces). */
export async function renderConfirmation(view: ConfirmationView): Promise<{ subject: string; html: string; text: string }> {
  const [html, text] = await Promise.all([
    readFile(new URL("confirmation.html.mustache", templates), "utf8"),
    readFile(new URL("confirmation.txt.mustache", templates), "utf8"),
  ]);
  return { subject: Mustache.render("We received your message, {{{name}}}", view), html: Mustache.render(html, view), text: Mustache.render(text, view) };
}

/**
 * The default SMTP port: nodemailer builds the real RFC 822 message, and it
 * is written to `dir/<messageId>.eml` instead of being sent, so the example
 * (and its test) can open the outbox.
 */
export function outboxMailer(dir: string): MailPort {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  return {
    async send(email) {
      const info = await transport.sendMail(email);
      await mkdir(dir, { recursive: true });
      const messageId = String(info.messageId).replace(/^<|>$/g, "");
      await writeFile(join(dir, `${messageId}.eml`), info.message as Buffer);
      return { messageId, accepted: [email.to] };
    },
  };
}

/** The real SMTP option: `smtp://user:pass@host:port` (or `smtps://`), through nodemailer. */
export function smtpMailer(url: string): MailPort {
  const transport = nodemailer.createTransport(url);
  return {
    async send(email) {
      const info = await transport.sendMail(email);
      return { messageId: String(info.messageId).replace(/^<|>$/g, ""), accepted: (info.accepted ?? []).map(String) };
    },
  };
}

/** SMTP_URL set: real SMTP; else the outbox in CONTACT_OUTBOX_DIR (default ./data/outbox). */
export function mailerFromEnv(env: Record<string, string | undefined>): MailPort {
  return env.SMTP_URL ? smtpMailer(env.SMTP_URL) : outboxMailer(env.CONTACT_OUTBOX_DIR ?? "./data/outbox");
}
