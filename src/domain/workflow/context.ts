/**
 * What the decider needs from outside, passed in so the domain stays pure:
 * the time of the command and a source of fresh ids.
 */
export interface DecisionContext {
  /** Epoch milliseconds at which the command is decided. */
  now: number;
  /** Returns a new unique id (task ids, failure-workflow ids). */
  newId: () => string;
}
