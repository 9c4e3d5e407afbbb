/**
 * `npm run baton -- <command>`: replay, audit and repair tools over the
 * configured event store (BATON_EVENT_STORE, DATA_DIR, as for `npm start`).
 * Exit codes: 0 done, 1 replay found differences or repair refused (nothing
 * changed), 2 bad usage, unknown workflow or a DATA_DIR in use, 3 an
 * unexpected failure (reported with its stack).
 */
import { auditCommand } from "./audit.ts";
import { type CliIo, UsageError } from "./cli-error.ts";
import { keysCommand } from "./keys.ts";
import { repairCommand } from "./repair.ts";
import { replayCommand } from "./replay.ts";
import { stateCommand } from "./state.ts";

export const USAGE = `usage: baton <command> [options]

commands:
  replay [--data-dir DIR] [--url URL]
      rebuild every projection from the store, report events/s, and check the
      result against a running server's REST answers (--url), or else against
      an incremental rebuild through a subscription (BATON_TOKEN: a reader's
      token, when the server has BATON_AUTH=required)
  audit <workflowId | dagRunId> [--data-dir DIR] [--json]
      the workflow's event timeline: time, revision, event, task, status, source;
      or a DAG run's events: time, revision, event, detail, source
  state <workflowId> --at <revision|time> [--data-dir DIR]
      the workflow's Conductor JSON as it was after that revision, or at that
      time (epoch ms or ISO 8601 with a zone, e.g. 2024-05-01T12:00:00Z)
  keys create --name N --role admin|worker|reader [--task-types a,b] [--data-dir DIR] [--json]
      make an API key for BATON_AUTH=required; prints its id and secret once
  keys list [--data-dir DIR] [--json]
  keys revoke <keyId> [--data-dir DIR]
      (create and revoke write to the store: stop a server using DATA_DIR
      first, or use its admin endpoints /api/admin/keys; list reads beside it)
  repair [--data-dir DIR] [--drop-from-offset N] [--dry-run]
      repair the file store's log while no server runs: keeps a backup, undoes
      CRLF, trailing whitespace and a byte order mark, cuts a torn tail; a
      damaged record elsewhere is dropped (with every record after it) only
      with --drop-from-offset, and every dropped event is listed; --dry-run
      only says what it would do

The store is the one \`npm start\` uses: BATON_EVENT_STORE and DATA_DIR (or --data-dir).`;

const COMMANDS: Record<string, (args: string[], io: CliIo) => Promise<number>> = {
  replay: replayCommand,
  audit: auditCommand,
  state: stateCommand,
  keys: keysCommand,
  repair: repairCommand,
};

/** Runs one command; returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    if (name !== undefined) {
      io.out(USAGE);
      return 0;
    }
    io.err.write(`${USAGE}\n`);
    return 2;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new UsageError(`unknown command '${name}' (expected one of ${Object.keys(COMMANDS).join(", ")}; see 'baton help')`);
    return await command(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err.write(`baton: ${error.message}\n`);
      return 2;
    }
    io.err.write(`baton: ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 3;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("src/cli/baton.ts")) {
  const io: CliIo = { out: (text) => process.stdout.write(`${text}\n`), err: process.stderr, env: process.env };
  process.exitCode = await runCli(process.argv.slice(2), io);
}
