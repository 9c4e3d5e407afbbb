/**
 * WAIT task times: `duration` like "30s", "5 minutes", "1 days 2h 5m" (units d,
 * h, m, s and their English names), and `until` dates like "2026-12-01 10:00",
 * "2026-12-01 10:00 GMT+02:00" or ISO-8601 (UTC when no zone is given).
 */
const UNIT_SECONDS: Record<string, number> = {
  d: 86400, day: 86400, days: 86400,
  h: 3600, hr: 3600, hrs: 3600, hour: 3600, hours: 3600,
  m: 60, min: 60, mins: 60, minute: 60, minutes: 60,
  s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
};

/** Seconds in a duration, or an error message naming what is wrong. */
export function parseDuration(text: string): { seconds: number } | { error: string } {
  const parts = [...text.trim().toLowerCase().matchAll(/(\d+)\s*([a-z]+)/g)];
  const rebuilt = parts.map((p) => p[0]).join("");
  if (parts.length === 0 || rebuilt.replace(/\s/g, "") !== text.trim().toLowerCase().replace(/\s/g, "")) {
    return { error: `duration '${text}' is not like "30s", "5 minutes" or "1 days 2h 5m"` };
  }
  let seconds = 0;
  let previous = Infinity;
  for (const [, amount, unit] of parts) {
    const size = UNIT_SECONDS[unit!];
    if (size === undefined) return { error: `duration '${text}' has an unknown unit '${unit}' (use d, h, m or s)` };
    // Conductor's pattern takes days, hours, minutes, seconds in that order, each at most once.
    if (size >= previous) return { error: `duration '${text}' must give days, hours, minutes and seconds in that order` };
    previous = size;
    seconds += Number(amount) * size;
  }
  return { seconds };
}

/** Epoch ms of an `until` date, or an error message. */
export function parseUntil(text: string): { at: number } | { error: string } {
  const trimmed = text.trim();
  const withZone = trimmed.replace(/\s*(GMT|UTC)\s*([+-]\d{2}):?(\d{2})$/i, (_m, _z, h: string, m: string) => `${h}:${m}`);
  const iso = withZone.replace(/^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(:\d{2}(\.\d+)?)?)/, "$1T$2");
  const normalised = /[zZ]|[+-]\d{2}:\d{2}$/.test(iso) || !iso.includes("T") ? iso : `${iso}Z`;
  const at = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(normalised) ? `${normalised}T00:00:00Z` : normalised);
  if (Number.isNaN(at)) return { error: `until '${text}' is not a date like "2026-12-01 10:00 GMT+02:00"` };
  return { at };
}
