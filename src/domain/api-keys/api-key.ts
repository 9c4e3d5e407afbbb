/**
 * API keys: who may call Baton when authentication is on. A key is a stream of
 * its own (`apikey-<keyId>`), so creating and revoking keys is audited like
 * every other change. The secret never reaches the domain: the application
 * layer hashes it (slowly, with a per-key salt) and the event stores the hash.
 */
import * as v from "valibot";

/** Streams of this category hold one key each. */
export const API_KEY_STREAM_PREFIX = "apikey-";

/** `reader`: queries; `worker`: poll and update tasks of its task types; `admin`: everything. */
export const API_KEY_ROLES = ["admin", "worker", "reader"] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/** A slow hash of a key's secret, with what is needed to check a candidate against it. */
export interface SecretHash {
  algorithm: "scrypt";
  /** scrypt's cost parameters (N, r, p) and the derived key's length in bytes. */
  cost: number;
  blockSize: number;
  parallelization: number;
  keyLength: number;
  /** base64url */
  salt: string;
  /** base64url */
  hash: string;
}

/** A key as the read models and the token endpoint see it. */
export interface ApiKey {
  keyId: string;
  name: string;
  role: ApiKeyRole;
  /** The task types a worker key may poll and update; empty: every type. */
  taskTypes: string[];
  secretHash: SecretHash;
  createdAt: number;
  revokedAt?: number;
}

const name = v.pipe(
  v.string("name: expected a string"),
  v.trim(),
  v.nonEmpty("name: expected a non-empty name"),
  v.maxLength(200, "name: expected at most 200 characters"),
);

const taskType = v.pipe(v.string("taskTypes: expected task type names"), v.trim(), v.nonEmpty("taskTypes: a task type name is empty"));

/** What is asked for when a key is created (REST body or CLI flags). */
export const CreateApiKeyRequestSchema = v.pipe(
  v.object({
    name,
    role: v.picklist(API_KEY_ROLES, `role: expected one of ${API_KEY_ROLES.join(", ")}`),
    taskTypes: v.optional(v.array(taskType, "taskTypes: expected a list of task type names"), []),
  }),
  v.forward(
    v.check((request) => request.role === "worker" || request.taskTypes.length === 0, "taskTypes: only worker keys are limited to task types"),
    ["taskTypes"],
  ),
);

export type CreateApiKeyRequest = v.InferOutput<typeof CreateApiKeyRequestSchema>;

/** Key ids appear in stream names and URLs: letters, digits, `_` and `-` only. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
