/**
 * The cluster's members, as their heartbeats in the store tell it. Members
 * append `MemberHeartbeat` to one stream every heartbeat interval and
 * `MemberLeft` when they stop; a member is live while its last heartbeat is
 * younger than the takeover time. Ages are measured on the store's clock
 * (each event's `created`), against the reader's own latest heartbeat, so the
 * members' clocks never need to agree.
 */

/** The stream every member's heartbeats go to. */
export const MEMBERS_STREAM = "baton_members-heartbeats";

/**
 * How much of the members stream the store keeps: ten takeover times (at least
 * a minute) and at most 10,000 events. Members read back one takeover time, so
 * this keeps every heartbeat they use while the stream stays bounded
 * (3 members at the defaults: about 180 events) instead of growing forever.
 */
export function membersStreamLimits(takeoverMs: number): { maxAgeSeconds: number; maxCount: number } {
  return { maxAgeSeconds: Math.max(60, Math.ceil((10 * takeoverMs) / 1000)), maxCount: 10_000 };
}

export type MembershipEvent =
  | { type: "MemberHeartbeat"; data: { member: string } }
  | { type: "MemberLeft"; data: { member: string } };

/** A membership event as read back, with the store's timestamp. */
export interface SeenMembershipEvent {
  type: string;
  data: unknown;
  /** When the store recorded it (epoch ms, the store's clock). */
  created: number;
}

const memberOf = (data: unknown): string | undefined => {
  const member = (data as { member?: unknown } | null)?.member;
  return typeof member === "string" && member !== "" ? member : undefined;
};

/**
 * The live members, sorted, given the membership events read newest first and
 * the store time `now` (the reader's own latest heartbeat): a member is live
 * when its newest event is a heartbeat recorded after `now - takeoverMs`.
 */
export function liveMembers(newestFirst: readonly SeenMembershipEvent[], now: number, takeoverMs: number): string[] {
  const decided = new Set<string>();
  const live: string[] = [];
  for (const event of newestFirst) {
    const member = memberOf(event.data);
    if (member === undefined || decided.has(member)) continue;
    decided.add(member);
    if (event.type === "MemberHeartbeat" && event.created > now - takeoverMs) live.push(member);
  }
  return live.sort();
}
