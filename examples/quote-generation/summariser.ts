import type { Message } from "./quote.ts";

/** The summariser port: a thread's messages in, a short summary out. */
export interface Summariser {
  summarise(subject: string, messages: Message[]): Promise<{ summary: string; model: string }>;
}

const firstSentence = (text: string) => (text.trim().match(/^[^.!?]*[.!?]?/)?.[0] ?? "").trim();

/**
 * The default: deterministic and local. One line per message, its sender and
 * its first sentence; and the sentences that ask for something ("need",
 * "would like", "please", a question).
 */
export function localSummariser(): Summariser {
  return {
    async summarise(subject, messages) {
      const lines = messages.map((m) => `${m.from}: ${firstSentence(m.body)}`);
      const asks = messages
        .flatMap((m) => m.body.split(/(?<=[.!?])\s+/))
        .filter((s) => /\b(need|would like|please|add)\b|\?$/i.test(s))
        .map((s) => s.trim());
      return { summary: [`${subject} (${messages.length} messages)`, ...lines, ...(asks.length ? ["Requests:", ...asks.map((a) => `- ${a}`)] : [])].join("\n"), model: "local" };
    },
  };
}

/** An OpenAI-compatible chat completions endpoint (`<baseUrl>/chat/completions`), e.g. a local llama.cpp or vLLM server. */
export function openAiSummariser({ baseUrl, model, apiKey }: { baseUrl: string; model: string; apiKey?: string }): Summariser {
  return {
    async summarise(subject, messages) {
      const response = await fetch(`${baseUrl.replace(/\/$/, "")}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify({
          model,
          temperature: 0,
          messages: [
            { role: "system", content: "Summarise this email thread in a few lines; list every product and quantity the customer asks for." },
            { role: "user", content: [`Subject: ${subject}`, ...messages.map((m) => `From ${m.from} on ${m.date}:\n${m.body}`)].join("\n\n") },
          ],
        }),
      });
      if (!response.ok) throw new Error(`summariser: ${response.status} from ${baseUrl}: ${(await response.text()).slice(0, 200)}`);
      const body = (await response.json()) as { choices?: { message?: { content?: string } }[]; model?: string };
      const summary = body.choices?.[0]?.message?.content;
      if (typeof summary !== "string") throw new Error("summariser: the response has no choices[0].message.content");
      return { summary, model: body.model ?? model };
    },
  };
}

/** SUMMARISER_URL set: the OpenAI-compatible endpoint (SUMMARISER_MODEL, SUMMARISER_API_KEY); else the local summariser. */
export function summariserFromEnv(env: Record<string, string | undefined>): Summariser {
  if (!env.SUMMARISER_URL) return localSummariser();
  return openAiSummariser({ baseUrl: env.SUMMARISER_URL, model: env.SUMMARISER_MODEL ?? "gpt-4o-mini", apiKey: env.SUMMARISER_API_KEY });
}
