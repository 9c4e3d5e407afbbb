/**
 * Conductor's task types, by who runs them:
 * - worker: polled by a worker (SIMPLE; any unknown name used as SIMPLE);
 * - decided: evaluated by the pure decider as soon as they are scheduled;
 * - waiting: held IN_PROGRESS until something from outside (or a time) completes them;
 * - reactor: side effects run by the engine after the schedule is stored.
 */
export const DECIDED_TASK_TYPES = [
  "SWITCH", "DECISION", "FORK_JOIN", "FORK_JOIN_DYNAMIC", "JOIN", "EXCLUSIVE_JOIN", "DO_WHILE",
  "SET_VARIABLE", "TERMINATE", "NOOP", "INLINE", "JSON_JQ_TRANSFORM", "DYNAMIC",
] as const;
export const WAITING_TASK_TYPES = ["WAIT", "HUMAN"] as const;
export const REACTOR_TASK_TYPES = ["HTTP", "KAFKA_PUBLISH", "EVENT", "SUB_WORKFLOW", "START_WORKFLOW"] as const;

export const SUPPORTED_TASK_TYPES = ["SIMPLE", ...DECIDED_TASK_TYPES, ...WAITING_TASK_TYPES, ...REACTOR_TASK_TYPES] as const;
export type SupportedTaskType = (typeof SUPPORTED_TASK_TYPES)[number];

/** Recognised Conductor types Baton does not run. */
export const KNOWN_UNSUPPORTED_TASK_TYPES = ["USER_DEFINED", "LAMBDA"] as const;

export const isReactorType = (type: string) => (REACTOR_TASK_TYPES as readonly string[]).includes(type);
export const isDecidedType = (type: string) => (DECIDED_TASK_TYPES as readonly string[]).includes(type);
export const isWaitingType = (type: string) => (WAITING_TASK_TYPES as readonly string[]).includes(type);
