import { toneOf } from "./graph.ts";

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge tone-${toneOf(status)}`}>{status}</span>;
}
