import * as v from "valibot";
import { parseOrThrow } from "../domain/definitions/validate.ts";

const integer = (name: string, min: number, max: number) =>
  v.pipe(
    v.string(),
    v.regex(/^\d+$/, `${name} must be a whole number`),
    v.transform(Number),
    v.minValue(min, `${name} must be >= ${min}`),
    v.maxValue(max, `${name} must be <= ${max}`),
  );

const boolean = (name: string) =>
  v.pipe(
    v.picklist(["true", "false", "1", "0"], `${name} must be true or false`),
    v.transform((value) => value === "true" || value === "1"),
  );

/** Environment variables Baton reads, with their defaults. */
export const ConfigSchema = v.object({
  PORT: v.optional(integer("PORT", 0, 65535), "8080"),
  HOST: v.optional(v.pipe(v.string(), v.nonEmpty("HOST must not be empty")), "0.0.0.0"),
  BATON_EVENT_STORE: v.optional(
    v.picklist(["file", "memory"], "BATON_EVENT_STORE must be one of file, memory"),
    "file",
  ),
  DATA_DIR: v.optional(v.pipe(v.string(), v.nonEmpty("DATA_DIR must not be empty")), "./data"),
  BATON_FSYNC: v.optional(boolean("BATON_FSYNC"), "true"),
  BATON_SWEEP_INTERVAL_MS: v.optional(integer("BATON_SWEEP_INTERVAL_MS", 10, 60_000), "250"),
});

export type Config = v.InferOutput<typeof ConfigSchema>;

/**
 * Reads the configuration from an environment map (e.g. `process.env`), or
 * throws a ValidationError naming the variable and what it expects.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const known: Record<string, string> = {};
  for (const key of Object.keys(ConfigSchema.entries)) {
    const value = env[key];
    if (value !== undefined && value !== "") known[key] = value;
  }
  return parseOrThrow(ConfigSchema, known, "configuration");
}
