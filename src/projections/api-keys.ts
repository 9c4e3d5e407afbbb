import { evolveApiKey } from "../domain/api-keys/decider.ts";
import type { ApiKey } from "../domain/api-keys/api-key.ts";
import type { ApiKeyEvent } from "../domain/api-keys/events.ts";
import type { Projection } from "./stream-registry.ts";

/** Every API key by id, revoked ones included (the token endpoint refuses those). */
export const apiKeyProjection: Projection<{ apiKeys: Map<string, ApiKey> }, ApiKeyEvent> = {
  create: () => ({ apiKeys: new Map() }),
  apply(models, event, keyId) {
    const key = evolveApiKey(models.apiKeys.get(keyId), event);
    if (key) models.apiKeys.set(keyId, key);
  },
};
