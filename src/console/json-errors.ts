/**
 * Where Baton's validation errors point in the JSON being edited. Baton names
 * each field by its path (`tasks[0].taskReferenceName: taskReferenceName is
 * required`); jsonc-parser's tree gives the text offset of that path, or of
 * its nearest ancestor when the field is missing. Pure, so the editor and its
 * tests agree.
 */
import { findNodeAtLocation, type Node as JsonNode, parseTree } from "jsonc-parser";

export interface FieldError {
  /** The path as Baton wrote it: `tasks[0].taskReferenceName`. */
  path: string;
  segments: (string | number)[];
  message: string;
}

export interface MarkedError extends FieldError {
  /** The 1-based line the field (or, when it is missing, its object) starts on. */
  line: number;
}

const PATH = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\[\d+\])*): (.+)$/s;

/** Splits a path into keys and array indices: `tasks[0].name` -> ["tasks", 0, "name"]. */
export function pathSegments(path: string): (string | number)[] {
  return [...path.matchAll(/([A-Za-z_$][\w$]*)|\[(\d+)\]/g)].map((match) => (match[2] !== undefined ? Number(match[2]) : match[1]!));
}

/** The field errors in one of Baton's error messages (`Invalid workflow definition: a: x; b[1].c: y`). */
export function fieldErrors(message: string): FieldError[] {
  const body = message.replace(/^[^:]*definition:\s*/i, "");
  return body
    .split(/;\s+(?=[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\[\d+\])*: )/)
    .map((part) => PATH.exec(part.trim()))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ path: match[1]!, segments: pathSegments(match[1]!), message: match[2]!.trim() }));
}

const lineAt = (text: string, offset: number): number => text.slice(0, offset).split("\n").length;

/** Each error with the line of its field in `text`; errors whose path leads nowhere in it are left out. */
export function markErrors(text: string, errors: readonly FieldError[]): MarkedError[] {
  const root = parseTree(text);
  if (!root) return [];
  return errors.flatMap((error) => {
    // The path may carry a prefix the text does not (GraphQL names the argument: `definition.tasks[0]...`):
    // take the deepest match of the path or of any tail of it.
    let best: { node: JsonNode; depth: number } | undefined;
    for (let drop = 0; drop < error.segments.length; drop++) {
      const tail = error.segments.slice(drop);
      for (let depth = tail.length; depth > 0 && (best === undefined || depth > best.depth); depth--) {
        const node = findNodeAtLocation(root, tail.slice(0, depth));
        if (node) {
          best = { node, depth };
          break;
        }
      }
    }
    const node = best?.node ?? root;
    // A property's value: mark its key's line.
    const at = node.parent?.type === "property" ? node.parent : node;
    return [{ ...error, line: lineAt(text, at.offset) }];
  });
}
