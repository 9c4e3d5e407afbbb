/**
 * Partitioned ownership of workflows across Baton processes sharing one
 * EventStoreDB: each process heartbeats into the store and computes, from the
 * members it sees live, the partitions it owns (src/domain/cluster). Timers
 * and reactors act only on owned workflows; commands from any process still
 * go through the expected-revision append, so two processes that briefly both
 * believe they own a partition (a join or a takeover seen at different times)
 * cost a conflict, never a wrong write.
 */
import { liveMembers, MEMBERS_STREAM, membersStreamLimits, type SeenMembershipEvent } from "../domain/cluster/membership.ts";
import { partitionOf, partitionsOwnedBy } from "../domain/cluster/partitions.ts";
import type { EventStore } from "../domain/ports.ts";
import type { Logger } from "./engine-core.ts";

export interface ClusterOptions {
  /** This process's name among the members; unique per process run. */
  nodeId: string;
  /** Partitions workflows hash onto; every member must use the same number. */
  partitions: number;
  /** How often this process writes its heartbeat and re-reads the members. */
  heartbeatMs: number;
  /** A member whose last heartbeat is older than this is dead and its partitions are taken over. */
  takeoverMs: number;
}

export interface OwnershipStatus {
  mode: "single" | "cluster";
  node?: string;
  members?: string[];
  partitions: { total: number; owned: number[] };
  /** Partitions this process gained after its first heartbeat (from members that died or left). */
  takeovers: number;
  /** Milliseconds between this process's last heartbeat append and its read models reaching it. */
  lagMs?: number;
  /** When this process last completed a heartbeat (epoch ms, its own clock). */
  lastHeartbeat?: number;
}

export interface Ownership {
  /** Whether this process runs the timers and reactors of `workflowId` now. */
  owns(workflowId: string): boolean;
  /** Whether other processes share the store (reactions then follow the read side, see engine.ts). */
  readonly clustered: boolean;
  status(): OwnershipStatus;
  /** Stops heartbeating; `leave` tells the others at once (a graceful stop) instead of after the takeover time. */
  close(options?: { leave?: boolean }): Promise<void>;
}

/** One process, one owner: everything is owned (the file and memory stores, and a single Baton on EventStoreDB). */
export const soleOwnership: Ownership = {
  owns: () => true,
  clustered: false,
  status: () => ({ mode: "single", partitions: { total: 1, owned: [0] }, takeovers: 0 }),
  close: async () => {},
};

export interface ClusterOwnershipDeps extends ClusterOptions {
  store: EventStore;
  clock: () => number;
  newId: () => string;
  logger: Logger;
  /** Resolves once the read models include `position` (used to measure lag). */
  caughtUpTo(position: number): Promise<void>;
  /** Told the partitions this process just gained (after the first heartbeat too), to resume their timers and reactors. */
  onAcquired(partitions: ReadonlySet<number>): void | Promise<void>;
}

/** The first page of the members stream read per heartbeat (newest first); later pages double until older than the takeover time. */
const FIRST_PAGE = 32;

/**
 * Joins the members in the store and resolves after the first heartbeat, with
 * this process owning its share; re-reads the members every `heartbeatMs`.
 */
export async function joinCluster(deps: ClusterOwnershipDeps): Promise<Ownership> {
  const { store, nodeId, partitions, heartbeatMs, takeoverMs, logger } = deps;
  let owned = new Set<number>();
  let members: string[] = [];
  let takeovers = 0;
  let lagMs: number | undefined;
  let lastHeartbeat: number | undefined;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();

  /** Membership events newest first, back to the takeover time before this heartbeat (`id`), and the store's time of it. */
  async function readRecent(id: string): Promise<{ seen: SeenMembershipEvent[]; now: number }> {
    const seen: SeenMembershipEvent[] = [];
    let now: number | undefined;
    let from: number | undefined;
    for (let size = FIRST_PAGE; ; size *= 2) {
      const page = await store.readStream(MEMBERS_STREAM, { direction: "backwards", maxCount: size, fromRevision: from });
      seen.push(...page);
      // The store's own time for "now": when it recorded this heartbeat.
      now ??= page.find((event) => event.id === id)?.created ?? page[0]?.created ?? 0;
      const oldest = page[page.length - 1];
      if (page.length < size || !oldest || oldest.revision === 0 || oldest.created <= now - takeoverMs) return { seen, now };
      from = oldest.revision - 1;
    }
  }

  async function heartbeat(): Promise<void> {
    const sentAt = deps.clock();
    const id = deps.newId();
    const appended = await store.append(MEMBERS_STREAM, [{ id, type: "MemberHeartbeat", data: { member: nodeId, partitions } }], "any");
    void deps.caughtUpTo(appended.position).then(() => (lagMs = deps.clock() - sentAt));
    const { seen, now } = await readRecent(id);
    const live = liveMembers(seen, now, takeoverMs);
    if (!live.includes(nodeId)) live.push(nodeId);
    live.sort();
    const next = partitionsOwnedBy(nodeId, live, partitions);
    const first = lastHeartbeat === undefined;
    const gained = new Set([...next].filter((partition) => !owned.has(partition)));
    const lost = [...owned].filter((partition) => !next.has(partition));
    if (!first && gained.size > 0) takeovers += gained.size;
    if (gained.size > 0 || lost.length > 0 || members.join() !== live.join()) {
      logger.info("baton: cluster ownership changed", { node: nodeId, members: live, owned: next.size, gained: gained.size, lost: lost.length });
    }
    owned = next;
    members = live;
    lastHeartbeat = deps.clock();
    if (gained.size > 0) await deps.onAcquired(gained);
  }

  function schedule(): void {
    if (closed) return;
    timer = setTimeout(() => {
      running = heartbeat()
        .catch((error) => logger.error("baton: cluster heartbeat failed", { node: nodeId, error: String(error) }))
        .finally(schedule);
    }, heartbeatMs);
  }

  // Heartbeats are only read back one takeover time: the store may drop older ones (every member
  // sets the same limits, so the last writer changes nothing).
  await store.limitStream?.(MEMBERS_STREAM, membersStreamLimits(takeoverMs));
  running = heartbeat();
  await running;
  schedule();

  return {
    clustered: true,
    owns: (workflowId) => owned.has(partitionOf(workflowId, partitions)),
    status: () => ({
      mode: "cluster",
      node: nodeId,
      members: [...members],
      partitions: { total: partitions, owned: [...owned].sort((a, b) => a - b) },
      takeovers,
      lagMs,
      lastHeartbeat,
    }),
    async close({ leave = true } = {}) {
      closed = true;
      clearTimeout(timer);
      await running.catch(() => {});
      owned = new Set();
      if (leave) {
        await store
          .append(MEMBERS_STREAM, [{ id: deps.newId(), type: "MemberLeft", data: { member: nodeId } }], "any")
          .catch((error) => logger.error("baton: could not record leaving the cluster", { node: nodeId, error: String(error) }));
      }
    },
  };
}
