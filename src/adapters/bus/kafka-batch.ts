/**
 * How the Kafka bus works through one fetched batch of a partition: records are
 * handled side by side up to `limit` at once, each after the batch's earlier
 * records of the same key (one key and a limit of 1: one at a time, in order).
 * Offsets are resolved and committed only up to the first record not handled
 * yet, so a crash redelivers everything from there on (at least once). A record
 * that cannot be handled (`handle` answers false: the subscription closed) stops
 * its key and the batch; an error ends the batch with that error after what was
 * handled is committed. Kafka-free, so the ordering rules stand on their own.
 */
export interface OrderedBatch {
  /** The batch's offsets, in order. */
  offsets: readonly string[];
  /** The record's order key: records of one key are handled one after another. */
  keyOf(index: number): string;
  /** At most this many records in hand at once. */
  limit: number;
  /** Handles record `index`; false: it cannot be (leave it and what follows uncommitted). */
  handle(index: number): Promise<boolean>;
  /** Marks an offset as processed (kafkajs' resolveOffset). */
  resolveOffset(offset: string): void;
  /** Commits up to and including `offset`. */
  commit(offset: string): Promise<void>;
  heartbeat(): Promise<void>;
  /** False once the consumer stops, the batch goes stale or the subscription closes. */
  keepGoing(): boolean;
  clock(): number;
  /** Commit at least this often while the batch runs. */
  commitIntervalMs: number;
}

export async function runOrderedBatch(batch: OrderedBatch): Promise<void> {
  const { offsets } = batch;
  const handled = new Array<boolean>(offsets.length).fill(false);
  const tails = new Map<string, Promise<void>>();
  const inHand = new Set<Promise<void>>();
  let resolved = 0; // offsets[0..resolved) are handled and resolved
  let uncommitted: string | undefined;
  let lastCommit = batch.clock();
  let stopped = false;
  let failure: { error: unknown } | undefined;
  const commit = async () => {
    while (resolved < offsets.length && handled[resolved]) {
      uncommitted = offsets[resolved]!;
      batch.resolveOffset(uncommitted);
      resolved++;
    }
    if (uncommitted === undefined) return;
    await batch.commit(uncommitted);
    uncommitted = undefined;
    lastCommit = batch.clock();
  };
  for (let index = 0; index < offsets.length; index++) {
    if (stopped || !batch.keepGoing()) break;
    while (inHand.size >= batch.limit && !stopped) await Promise.race(inHand);
    if (stopped) break;
    const key = batch.keyOf(index);
    const previous = tails.get(key);
    const run = async () => {
      if (previous) await previous;
      if (stopped) return;
      if (await batch.handle(index)) handled[index] = true;
      else stopped = true;
    };
    const task: Promise<void> = run().then(
      () => void inHand.delete(task),
      (error: unknown) => {
        inHand.delete(task);
        stopped = true;
        failure ??= { error };
      },
    );
    inHand.add(task);
    tails.set(key, task);
    if (batch.clock() - lastCommit >= batch.commitIntervalMs) await commit();
    await batch.heartbeat();
  }
  await Promise.all(inHand);
  // Also on the way out of a stop or seek: what was handled counts.
  await commit();
  if (failure) throw failure.error;
}
