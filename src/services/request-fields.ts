/** Reading the values a request names, with messages that name the field and what was expected. */

/** A request a service cannot work on; its message becomes the completion's `error_message`. */
export class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadRequestError";
  }
}

/**
 * The non-empty strings in `data[single]` (one) or `data[plural]` (a list), at
 * most `max`; throws BadRequestError naming the fields otherwise.
 */
export function stringsFrom(data: Record<string, unknown>, single: string, plural: string, max: number): string[] {
  const one = data[single];
  const many = data[plural];
  const expected = `data.${single} (a string) or data.${plural} (a list of strings)`;
  if (typeof one === "string" && one.trim() !== "") return [one];
  if (Array.isArray(many)) {
    if (many.length === 0) throw new BadRequestError(`data.${plural} is empty: expected ${expected}`);
    if (many.length > max) throw new BadRequestError(`data.${plural} has ${many.length} entries: at most ${max} per request`);
    const bad = many.findIndex((entry) => typeof entry !== "string" || entry.trim() === "");
    if (bad >= 0) throw new BadRequestError(`data.${plural}[${bad}] must be a non-empty string, got ${JSON.stringify(many[bad]) ?? "undefined"}`);
    return many as string[];
  }
  if (one !== undefined) throw new BadRequestError(`data.${single} must be a non-empty string, got ${JSON.stringify(one)}`);
  if (many !== undefined) throw new BadRequestError(`data.${plural} must be a list of strings, got ${JSON.stringify(many)}`);
  throw new BadRequestError(`the request needs ${expected}`);
}
