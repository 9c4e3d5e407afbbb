import type { Decider } from "../decider.ts";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import { type ApiKey, type CreateApiKeyRequest, KEY_ID_PATTERN, type SecretHash } from "./api-key.ts";
import type { ApiKeyEvent } from "./events.ts";

export type ApiKeyCommand =
  | ({ type: "CreateApiKey"; keyId: string; secretHash: SecretHash } & CreateApiKeyRequest)
  | { type: "RevokeApiKey"; keyId: string };

/** One key's stream (`apikey-<keyId>`): absent, active or revoked. */
export interface ApiKeyState {
  key?: ApiKey;
}

export interface ApiKeyContext {
  now: number;
}

/** Folds one key event into the key it describes (shared with the projection). */
export function evolveApiKey(key: ApiKey | undefined, event: ApiKeyEvent): ApiKey | undefined {
  switch (event.type) {
    case "ApiKeyCreated": {
      const { time, ...fields } = event.data;
      return { ...fields, createdAt: time };
    }
    case "ApiKeyRevoked":
      return key && { ...key, revokedAt: event.data.time };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/**
 * Creating takes a fresh key id (ids are random, so a taken one is a
 * conflict, never an overwrite); revoking is final, and revoking a revoked key
 * changes nothing.
 */
export const apiKeyDecider: Decider<ApiKeyState, ApiKeyCommand, ApiKeyEvent, ApiKeyContext> = {
  initialState: {},
  evolve: (state, event) => ({ key: evolveApiKey(state.key, event) }),
  decide(command, state, { now }) {
    switch (command.type) {
      case "CreateApiKey": {
        if (!KEY_ID_PATTERN.test(command.keyId)) {
          throw new ValidationError(`keyId: expected 8-64 letters, digits, '_' or '-', got '${command.keyId}'`, [
            { path: "keyId", message: "expected 8-64 letters, digits, '_' or '-'", invalidValue: command.keyId },
          ]);
        }
        if (state.key) throw new ConflictError(`API key ${command.keyId} already exists`);
        const { keyId, name, role, taskTypes, secretHash } = command;
        return [{ type: "ApiKeyCreated", data: { keyId, name, role, taskTypes, secretHash, time: now } }];
      }
      case "RevokeApiKey":
        if (!state.key) throw new NotFoundError(`No API key ${command.keyId}`);
        if (state.key.revokedAt !== undefined) return [];
        return [{ type: "ApiKeyRevoked", data: { keyId: command.keyId, time: now } }];
      default: {
        const _exhaustive: never = command;
        return _exhaustive;
      }
    }
  },
};
