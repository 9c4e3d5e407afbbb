/**
 * Which process owns which workflow: workflows hash onto a fixed number of
 * partitions, and the live members share the partitions by rendezvous
 * (highest-random-weight) hashing, so every member that sees the same members
 * computes the same owners, and a member joining or leaving moves only the
 * partitions it gains or loses.
 */

/** FNV-1a, 32 bits: stable across processes and runtimes (no Math.random, no platform hash). */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // A final avalanche, so that keys differing in their last character spread over all partitions.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return hash >>> 0;
}

/** The partition (0 .. partitions-1) a workflow belongs to. */
export function partitionOf(workflowId: string, partitions: number): number {
  return fnv1a(workflowId) % partitions;
}

/** The member that owns `partition` among `members` (undefined when there are none). */
export function ownerOf(partition: number, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const member of members) {
    const score = fnv1a(`${member}#${partition}`);
    // Ties (vanishingly rare) go to the smaller name, so every member decides alike.
    if (score > bestScore || (score === bestScore && best !== undefined && member < best)) {
      best = member;
      bestScore = score;
    }
  }
  return best;
}

/** The partitions `member` owns among `members`. */
export function partitionsOwnedBy(member: string, members: readonly string[], partitions: number): Set<number> {
  const owned = new Set<number>();
  for (let partition = 0; partition < partitions; partition++) {
    if (ownerOf(partition, members) === member) owned.add(partition);
  }
  return owned;
}
