import { useEffect, useMemo, useRef, useState } from "react";
import { gql } from "../api.ts";
import { json, useQuery } from "../hooks.ts";
import { fieldErrors, markErrors } from "../json-errors.ts";
import { WorkflowGraph } from "../WorkflowGraph.tsx";

const LIST = `{ workflowDefs { name version description warnings { path message } } }`;
const ONE = `query Def($name: String!, $version: Int) { workflowDef(name: $name, version: $version) { name version definition warnings { path message } } }`;
const REGISTER = `mutation Register($definition: JSON!, $overwrite: Boolean) { registerWorkflowDef(definition: $definition, overwrite: $overwrite) { name version warnings { path message } } }`;

interface Warning {
  path: string;
  message: string;
}

/** Workflow definitions: the list, and one drawn as a graph beside its JSON, which can be edited and registered. */
export function Definitions({ name }: { name?: string }) {
  const list = useQuery<{ workflowDefs: { name: string; version: number; description: string | null; warnings: Warning[] }[] }>(LIST);
  return (
    <section className="definitions">
      <h1>Definitions</h1>
      <div className="split">
        <ul className="def-list">
          <li>
            <a href="#/definitions/+new">+ new definition</a>
          </li>
          {list.data?.workflowDefs.map((def) => (
            <li key={`${def.name}:${def.version}`}>
              <a href={`#/definitions/${encodeURIComponent(def.name)}`} className={def.name === name ? "active" : ""}>
                {def.name} <small>v{def.version}</small>
              </a>
              {def.warnings.length ? <span className="badge tone-waiting">{def.warnings.length} warnings</span> : null}
            </li>
          ))}
        </ul>
        {name ? <DefinitionEditor key={name} name={name} onRegistered={list.refetch} /> : <p className="muted">Choose a definition.</p>}
      </div>
    </section>
  );
}

const NEW_DEFINITION = { name: "new_workflow", version: 1, schemaVersion: 2, tasks: [{ name: "first_task", taskReferenceName: "first", type: "SIMPLE" }] };

function DefinitionEditor({ name, onRegistered }: { name: string; onRegistered: () => void }) {
  const isNew = name === "+new";
  const def = useQuery<{ workflowDef: { definition: Record<string, unknown>; warnings: Warning[] } }>(ONE, { name }, isNew);
  const [text, setText] = useState(isNew ? json(NEW_DEFINITION) : "");
  const [outcome, setOutcome] = useState<{ error?: string; warnings?: Warning[]; ok?: string }>({});
  useEffect(() => {
    if (def.data) setText(json(def.data.workflowDef.definition));
  }, [def.data]);
  let parsed: { tasks?: unknown[] } | undefined;
  let parseError: string | undefined;
  try {
    parsed = JSON.parse(text) as { tasks?: unknown[] };
  } catch (error) {
    parseError = error instanceof Error ? error.message : String(error);
  }
  const register = async () => {
    if (!parsed) return;
    try {
      const result = await gql<{ registerWorkflowDef: { name: string; version: number; warnings: Warning[] } }>(REGISTER, { definition: parsed, overwrite: true });
      setOutcome({ ok: `registered ${result.registerWorkflowDef.name} v${result.registerWorkflowDef.version}`, warnings: result.registerWorkflowDef.warnings });
      onRegistered();
    } catch (error) {
      setOutcome({ error: error instanceof Error ? error.message : String(error) });
    }
  };
  const warnings = outcome.warnings ?? def.data?.workflowDef.warnings ?? [];
  // Baton's errors name their field: marked at its line in the text as it is now.
  const marks = useMemo(() => (outcome.error ? markErrors(text, fieldErrors(outcome.error)) : []), [outcome.error, text]);
  const editor = useRef<HTMLTextAreaElement>(null);
  const backdrop = useRef<HTMLPreElement>(null);
  const lines = text.split("\n");
  const marked = new Map(marks.map((mark) => [mark.line, mark]));
  const jumpTo = (line: number) => {
    const area = editor.current;
    if (!area) return;
    const start = lines.slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0);
    area.focus();
    area.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
  };
  return (
    <div className="def-editor">
      <div className="def-graph">{parsed && Array.isArray(parsed.tasks) ? <WorkflowGraph tasks={parsed.tasks as never} /> : null}</div>
      <div className="def-json">
        <div className="json-editor">
          {/* Behind the (transparent) text: the same lines, the marked ones tinted with their message beside them. */}
          <pre className="json-backdrop" ref={backdrop} aria-hidden="true">
            {lines.map((line, index) => {
              const mark = marked.get(index + 1);
              return mark ? (
                <div key={index} className="json-error-line" data-testid="json-error-line" data-line={index + 1}>
                  {line || " "}
                  <span className="json-error-note">
                    {"  ← "}
                    {mark.path}: {mark.message}
                  </span>
                </div>
              ) : (
                <div key={index}>{line || " "}</div>
              );
            })}
          </pre>
          <textarea
            ref={editor}
            spellCheck={false}
            wrap="off"
            value={text}
            onChange={(event) => setText(event.target.value)}
            onScroll={(event) => {
              if (backdrop.current) {
                backdrop.current.scrollTop = event.currentTarget.scrollTop;
                backdrop.current.scrollLeft = event.currentTarget.scrollLeft;
              }
            }}
            aria-label="definition JSON"
          />
        </div>
        {marks.length ? (
          <ul className="json-errors" data-testid="json-errors">
            {marks.map((mark) => (
              <li key={mark.path + mark.message}>
                <button type="button" className="link" onClick={() => jumpTo(mark.line)}>
                  line {mark.line}
                </button>{" "}
                <code>{mark.path}</code>: {mark.message}
              </li>
            ))}
          </ul>
        ) : null}
        {parseError ? <p className="error">JSON: {parseError}</p> : null}
        <button disabled={!parsed} onClick={register}>
          Register
        </button>
        {outcome.ok ? <p className="message">{outcome.ok}</p> : null}
        {outcome.error ? <p className="error" data-testid="definition-error">{outcome.error}</p> : null}
        {warnings.length ? (
          <ul className="warnings">
            {warnings.map((warning) => (
              <li key={warning.path + warning.message}>
                <code>{warning.path}</code>: {warning.message}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </div>
  );
}
