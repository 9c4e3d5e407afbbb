/** A mistake in how the CLI was called or what it was asked for (bad flag, unknown id): exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Where a command writes: stdout for results, stderr for progress and messages. */
export interface CliIo {
  out(text: string): void;
  err: { write(text: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
}
