import { type ICustomPartitioner, type Message, Partitioners, type Producer } from "kafkajs";

export interface PublishedAt {
  partition: number;
  offset: string;
}

/**
 * Which partition the producer chose for each message object, so a batch's
 * per-partition base offsets can be handed back message by message. A message
 * keeps its first choice if kafkajs asks again on a retry (a keyless message
 * would otherwise be re-spread).
 */
export function recordingPartitioner(): { createPartitioner: ICustomPartitioner; partitionOf: (message: Message) => number | undefined } {
  const chosen = new WeakMap<Message, number>();
  const createPartitioner: ICustomPartitioner = () => {
    const partition = Partitioners.DefaultPartitioner();
    return (args) => {
      const previous = chosen.get(args.message);
      if (previous !== undefined && args.partitionMetadata.some((p) => p.partitionId === previous)) return previous;
      const next = partition(args);
      chosen.set(args.message, next);
      return next;
    };
  };
  return { createPartitioner, partitionOf: (message) => chosen.get(message) };
}

interface Pending {
  topic: string;
  message: Message;
  bytes: number;
  resolve: (at: PublishedAt) => void;
  reject: (error: unknown) => void;
}

const MAX_BATCH_MESSAGES = 1_000;
const MAX_BATCH_BYTES = 512 * 1024;

/**
 * Sends messages in batches without waiting to fill them: the first message
 * goes at once, and whatever is published while a request is in flight goes
 * together in the next one. The idempotent producer sends one request at a
 * time anyway, so this turns N concurrent publishes into a few requests
 * instead of N, and keeps publish order (per key, per topic).
 */
export function createBatchingPublisher(producer: Producer, partitionOf: (message: Message) => number | undefined) {
  const queue: Pending[] = [];
  let sending = false;

  async function sendQueued(): Promise<void> {
    if (sending) return;
    sending = true;
    try {
      while (queue.length > 0) {
        let bytes = 0;
        let count = 0;
        while (count < queue.length && count < MAX_BATCH_MESSAGES && (count === 0 || bytes + queue[count]!.bytes <= MAX_BATCH_BYTES)) {
          bytes += queue[count]!.bytes;
          count++;
        }
        await sendBatch(queue.splice(0, count));
      }
    } finally {
      sending = false;
    }
  }

  async function sendBatch(batch: Pending[]): Promise<void> {
    const byTopic = new Map<string, Pending[]>();
    for (const pending of batch) byTopic.set(pending.topic, [...(byTopic.get(pending.topic) ?? []), pending]);
    try {
      const results = await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, items]) => ({ topic, messages: items.map((item) => item.message) })),
      });
      const next = new Map<string, bigint>();
      for (const result of results) next.set(`${result.topicName}\u0000${result.partition}`, BigInt(result.baseOffset ?? result.offset ?? "0"));
      // A partition's messages keep their order in the request, so they hold consecutive offsets from its base.
      for (const pending of batch) {
        const partition = partitionOf(pending.message) ?? 0;
        const slot = `${pending.topic}\u0000${partition}`;
        const offset = next.get(slot) ?? 0n;
        next.set(slot, offset + 1n);
        pending.resolve({ partition, offset: offset.toString() });
      }
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }

  return {
    publish(topic: string, message: Message): Promise<PublishedAt> {
      const size = (value: unknown) => (typeof value === "string" || Buffer.isBuffer(value) ? Buffer.byteLength(value) : 0);
      let bytes = 64 + size(message.value) + size(message.key);
      for (const [name, value] of Object.entries(message.headers ?? {})) bytes += size(name) + size(value);
      const published = new Promise<PublishedAt>((resolve, reject) => queue.push({ topic, message, bytes, resolve, reject }));
      queueMicrotask(() => void sendQueued());
      return published;
    },
  };
}
