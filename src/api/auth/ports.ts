import type { ApiKey, ApiKeyRole, SecretHash } from "../../domain/api-keys/api-key.ts";
import type { ApiKeyCommand } from "../../domain/api-keys/decider.ts";
import type { EventSource } from "../../domain/ports.ts";

/**
 * Makes and checks key secrets. A port, so the portable app imports no
 * `node:` module: each runtime entry passes its implementation (secret-hash.ts).
 */
export interface SecretHasher {
  hash(secret: string): Promise<SecretHash>;
  verify(secret: string, stored: SecretHash): Promise<boolean>;
  /** A fresh random key id and secret. */
  newKeyId(): string;
  newSecret(): string;
}

/** What authentication needs from the engine: the keys, and a task's type to check a worker's rights. */
export interface AuthEnginePort {
  apiKey(keyId: string): ApiKey | undefined;
  listApiKeys(): ApiKey[];
  createApiKey(command: Extract<ApiKeyCommand, { type: "CreateApiKey" }>, source: EventSource): Promise<ApiKey>;
  revokeApiKey(keyId: string, source: EventSource): Promise<void>;
  /** The type of the task with this id, or undefined when there is none. */
  taskTypeOf(taskId: string): string | undefined;
  /** The type of the latest attempt of `taskRefName` in a workflow, or undefined. */
  taskTypeByRef(workflowId: string, taskRefName: string): Promise<string | undefined>;
}

/** Who made a request: the key its token was issued to. */
export interface Principal {
  keyId: string;
  role: ApiKeyRole;
  taskTypes: readonly string[];
}
