import { parseArgs } from "node:util";
import { UsageError } from "./cli-error.ts";

type OptionSpec = Record<string, { type: "string" | "boolean" }>;

/** A command's flags and positionals; unknown flags and wrong counts become UsageErrors. */
export function parseCommandArgs<Spec extends OptionSpec>(
  command: string,
  args: string[],
  options: Spec,
  positionals: string[],
): { flags: { [K in keyof Spec]?: Spec[K]["type"] extends "string" ? string : boolean }; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${command}: ${error instanceof Error ? error.message : String(error)} (see 'baton help')`);
  }
  if (parsed.positionals.length !== positionals.length) {
    const expected = positionals.length === 0 ? "no arguments" : positionals.map((name) => `<${name}>`).join(" ");
    throw new UsageError(`${command}: expected ${expected}, got ${parsed.positionals.length === 0 ? "none" : parsed.positionals.join(" ")} (see 'baton help')`);
  }
  return { flags: parsed.values as never, positionals: parsed.positionals };
}
