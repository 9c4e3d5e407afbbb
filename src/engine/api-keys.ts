import type { ApiKey } from "../domain/api-keys/api-key.ts";
import type { ApiKeyCommand } from "../domain/api-keys/decider.ts";
import type { EventSource } from "../domain/ports.ts";
import { apiKeyCategory } from "../projections/stream-categories.ts";
import type { EngineCore } from "./engine-core.ts";

/**
 * API keys: commands on `apikey-<keyId>`, reads from the read models. The
 * secret arrives already hashed (src/api/auth/secret-hash.ts), so nothing here
 * ever holds it.
 */
export function createApiKeys(core: EngineCore) {
  const run = (command: ApiKeyCommand, source: EventSource) =>
    core.runCommand(`apikey:${command.keyId}`, apiKeyCategory.decider, apiKeyCategory.streamOf(command.keyId), command, () => ({ now: core.clock() }), {
      source,
      command: command.type,
    });
  return {
    async createApiKey(command: Extract<ApiKeyCommand, { type: "CreateApiKey" }>, source: EventSource): Promise<ApiKey> {
      const outcome = await run(command, source);
      // The decider refuses a taken id, so a successful create always leaves a key.
      return outcome.state.key!;
    },
    async revokeApiKey(keyId: string, source: EventSource): Promise<void> {
      await run({ type: "RevokeApiKey", keyId }, source);
    },
    apiKey: (keyId: string): ApiKey | undefined => core.models.apiKeys.get(keyId),
    listApiKeys: (): ApiKey[] => [...core.models.apiKeys.values()],
  };
}
