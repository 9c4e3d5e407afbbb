/**
 * What the Durable Object event store's client (durable-object.ts) and its
 * object (durable-object-log.ts) say to each other over the stub's `fetch`:
 * JSON bodies on `POST https://event-log/<operation>`. `fetch` rather than
 * RPC so the object needs no `cloudflare:workers` import (the entry still
 * type-checks under Node and Deno) and miniflare's Node proxy can call it in tests.
 */
import type { AppendResult, EventMetadata, ExpectedRevision, NewEvent } from "../../domain/ports.ts";

export interface AppendRequest {
  streamId: string;
  events: NewEvent[];
  expected: ExpectedRevision;
}

/**
 * The appends a client has waiting, sent together (group commit): the object
 * applies them in order, each in its own transaction, and answers each.
 */
export interface AppendBatchRequest {
  appends: AppendRequest[];
}

export interface AppendBatchResponse {
  results: AppendResponse[];
}

/** An append's outcome; `created` is the object's clock, for the client's copy of the events it appended. */
export type AppendResponse =
  | { kind: "appended"; result: AppendResult; created: number }
  | { kind: "retried"; result: AppendResult }
  | { kind: "conflict"; message: string; streamId: string; expected: ExpectedRevision; actual: number | "no_stream" }
  | { kind: "invalid"; message: string };

export interface ReadStreamRequest {
  streamId: string;
  fromRevision?: number;
  direction?: "forwards" | "backwards";
  maxCount?: number;
}

export interface ReadAllRequest {
  fromPosition?: number;
  maxCount?: number;
}

/** One page of a read: `more` when the object stopped at its page size before `maxCount`. */
export interface ReadResponse {
  events: WireEvent[];
  more: boolean;
}

/** A recorded event as it travels. */
export interface WireEvent {
  position: number;
  streamId: string;
  revision: number;
  id: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  created: number;
}

/** The number of events in the log: its next position. */
export interface HeadResponse {
  next: number;
}

/** `arm`: wake the worker at `at` (epoch ms) unless the object's alarm already rings earlier. */
export interface ArmRequest {
  at: number;
}

/** The alarm the object has set after an `arm` (epoch ms; null: none). */
export interface ArmResponse {
  alarm: number | null;
}

/** The secret the object's alarm sends on its wake-up call, so the worker can tell the call from an outsider's. */
export interface WakeTokenResponse {
  token: string;
}

export type Operation = "append" | "read-stream" | "read-all" | "head" | "arm" | "wake-token";

/** The worker's route the alarm calls (through the `BATON_SELF` service binding), and the header with the token. */
export const WAKE_PATH = "/__baton/wake";
export const WAKE_HEADER = "x-baton-wake";

/** The URL of an operation (the host is a placeholder: a stub routes by object, not by host). */
export const operationUrl = (operation: Operation) => `https://event-log/${operation}`;
