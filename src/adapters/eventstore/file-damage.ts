/**
 * What damage to the file store's log looks like, and the error that stops
 * an open on it.
 *
 * Editors and copy tools alter a file as a whole: CRLF line endings, trailing
 * whitespace, a UTF-8 byte order mark. Each record then fails its checksum,
 * yet its bytes are all there: `normalizeLine` undoes those alterations, so
 * start-up can say what happened and `baton repair` can undo it.
 */
import { decodeRecord } from "./file-record.ts";

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

/** An alteration `normalizeLine` undid. */
export type LineFix = "bom" | "crlf" | "trailing-whitespace";

/** What each fix means, for messages. */
export const FIX_DESCRIPTIONS: Record<LineFix, string> = {
  bom: "a UTF-8 byte order mark (EF BB BF) before the first record",
  crlf: "a carriage return before the newline (CRLF line endings)",
  "trailing-whitespace": "trailing whitespace after the record",
};

/**
 * A line (without its newline) with a leading byte order mark (first line
 * only) and trailing CR, space and tab removed. A record never ends in
 * whitespace (its JSON ends with `}`), so nothing of a record is removed.
 */
export function normalizeLine(line: Buffer, firstLine: boolean): { bytes: Buffer; fixes: LineFix[] } {
  const fixes: LineFix[] = [];
  let start = 0;
  if (firstLine && line.subarray(0, BOM.length).equals(BOM)) {
    start = BOM.length;
    fixes.push("bom");
  }
  let end = line.length;
  while (end > start && (line[end - 1] === CR || line[end - 1] === SPACE || line[end - 1] === TAB)) end -= 1;
  if (end < line.length) {
    const removed = line.subarray(end);
    // One CR alone is what a CRLF conversion leaves; anything else is whitespace added to the line.
    fixes.push(removed.length === 1 && removed[0] === CR ? "crlf" : "trailing-whitespace");
  }
  return { bytes: line.subarray(start, end), fixes };
}

/**
 * Why a line (without its newline) that fails `decodeRecord` is not a record,
 * in words: the alteration when undoing one makes it a valid record, else
 * `reason` (checksum mismatch, unparsable JSON...).
 */
export function describeDamage(line: Buffer, offset: number, reason: string): string {
  const normalized = normalizeLine(line, offset === 0);
  if (normalized.bytes.length === 0) return line.length === 0 ? "an empty line" : "a line of whitespace only";
  if (normalized.fixes.length > 0 && decodeRecord(normalized.bytes).ok) {
    return `${normalized.fixes.map((fix) => FIX_DESCRIPTIONS[fix]).join(" and ")}; the file looks rewritten by an editor or copy tool`;
  }
  return reason;
}

/**
 * The log holds damage that is not a torn tail: opening it would drop
 * acknowledged events, so it is not opened. The message names the file, the
 * byte offset, what was found there and what to do.
 */
export class LogDamageError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly found: string,
    dir: string,
  ) {
    super(
      `${file}: damaged record at byte offset ${offset} (${found}). Baton refuses to open the log rather than drop acknowledged events. ` +
        `Stop every Baton process using ${dir} and run \`npm run baton -- repair --data-dir ${dir}\`: it keeps a backup, undoes editor damage and says what, if anything, it would drop.`,
    );
    this.name = "LogDamageError";
  }
}
