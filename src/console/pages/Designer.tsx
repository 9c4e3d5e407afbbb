import { addEdge, Background, type Connection, Controls, type DefaultEdgeOptions, type Edge, MarkerType, type Node, ReactFlow, ReactFlowProvider, useEdgesState, useNodesState, useReactFlow } from "@xyflow/react";
import { type DragEvent, useMemo, useState } from "react";
import { gql, rest } from "../api.ts";
import { type DesignEdge, type DesignNode, definitionToDesign, designToDefinition, LOOP_BACK, PALETTE } from "../design.ts";
import { json } from "../hooks.ts";

type TaskNode = Node<{ label: string; task: DesignNode["task"] }>;

/** Every edge ends in an arrowhead, so the canvas says which way the flow runs. */
const EDGE_DEFAULTS: DefaultEdgeOptions = { markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 } };

/** A canvas edge from a composition edge: a loop's way back is animated and classed apart. */
const canvasEdge = (edge: DesignEdge): Edge => ({
  id: `${edge.source}->${edge.target}${edge.label ? `:${edge.label}` : ""}`,
  source: edge.source,
  target: edge.target,
  ...(edge.label ? { label: edge.label } : {}),
  ...(edge.label === LOOP_BACK ? { animated: true, className: "loop-edge" } : {}),
  ...EDGE_DEFAULTS,
});

const IMPORT = `query Def($name: String!) { workflowDef(name: $name) { definition } }`;
const CHECK = `mutation Check($definition: JSON!) { registerWorkflowDef(definition: $definition, overwrite: true) { warnings { path message } } }`;

export function Designer() {
  return (
    <ReactFlowProvider>
      <DesignerCanvas />
    </ReactFlowProvider>
  );
}

/** Drag tasks from the palette, connect them, edit each in its form, watch the JSON, then deploy (and start) it. */
function DesignerCanvas() {
  const flow = useReactFlow();
  const [nodes, setNodes, onNodesChange] = useNodesState<TaskNode>([]);
  const [edges, setEdges, onEdgesChange] = useEdgesState<Edge>([]);
  const [meta, setMeta] = useState({ name: "designed_workflow", version: 1 });
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [trigger, setTrigger] = useState(true);
  const [input, setInput] = useState("{}");
  const [outcome, setOutcome] = useState<{ error?: string; message?: string; warnings?: { path: string; message: string }[] }>({});
  const [importName, setImportName] = useState("");

  const composition = useMemo(
    () =>
      designToDefinition(
        meta,
        nodes.map((node) => ({ id: node.id, task: node.data.task })),
        edges.map((edge) => ({ source: edge.source, target: edge.target, ...(typeof edge.label === "string" ? { label: edge.label } : {}) })),
      ),
    [meta, nodes, edges],
  );

  const addTask = (paletteIndex: number, position: { x: number; y: number }) => {
    const entry = PALETTE[paletteIndex]!;
    const base = entry.task("t").type.toLowerCase();
    let n = nodes.length + 1;
    while (nodes.some((node) => node.id === `${base}_${n}`)) n++;
    const ref = `${base}_${n}`;
    const task = entry.task(ref);
    setNodes((current) => [...current, { id: ref, position, data: { label: `${ref} (${task.type})`, task } }]);
    setSelected(ref);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    const index = Number(event.dataTransfer.getData("application/x-baton-task"));
    if (Number.isInteger(index)) addTask(index, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
  };
  const onConnect = (connection: Connection) => {
    const source = nodes.find((node) => node.id === connection.source);
    const type = source?.data.task.type;
    const target = nodes.find((node) => node.id === connection.target);
    const intoLoop = target?.data.task.type === "DO_WHILE" && edges.some((edge) => edge.source === target.id && edge.label === "body");
    const label =
      intoLoop && window.confirm("Is this the way back from the loop's body to its DO_WHILE? (OK: drawn as the loop, not run)")
        ? LOOP_BACK
        : type === "SWITCH"
        ? (window.prompt("Case value for this branch (default for the default case)", "default") ?? "default")
        : type === "DO_WHILE" && window.confirm("Is this the loop's body? (OK: the body's first task; Cancel: what runs after the loop)")
          ? "body"
          : undefined;
    setEdges((current) => addEdge({ ...connection, ...(label ? { label } : {}), ...(label === LOOP_BACK ? { animated: true, className: "loop-edge" } : {}), ...EDGE_DEFAULTS }, current));
  };
  const importDefinition = async () => {
    try {
      const { workflowDef } = await gql<{ workflowDef: { definition: { name: string; version: number; tasks: DesignNode["task"][] } } }>(IMPORT, { name: importName });
      // Every task, nested ones too, becomes a node; branches, cases and loop bodies become edges.
      const design = definitionToDesign(workflowDef.definition.tasks);
      setMeta({ name: workflowDef.definition.name, version: workflowDef.definition.version });
      setNodes(design.nodes.map((node) => ({ id: node.id, position: node.position, data: { label: `${node.task.taskReferenceName} (${node.task.type})`, task: node.task } })));
      setEdges(design.edges.map(canvasEdge));
      setSelected(undefined);
      // Once React Flow has measured the new nodes, show them all.
      setTimeout(() => void flow.fitView(), 50);
      setOutcome({ message: `imported ${workflowDef.definition.name}` });
    } catch (error) {
      setOutcome({ error: error instanceof Error ? error.message : String(error) });
    }
  };
  const deploy = async () => {
    setOutcome({});
    try {
      const workflowInput = JSON.parse(input) as Record<string, unknown>;
      const check = await gql<{ registerWorkflowDef: { warnings: { path: string; message: string }[] } }>(CHECK, { definition: composition.definition });
      const result = await rest<{ workflow_instance_id: string | null; message: string }>("POST", "/workflow/deploy", { workflow: composition.definition, trigger_conductor: trigger, input: workflowInput });
      setOutcome({ message: result.message, warnings: check.registerWorkflowDef.warnings });
      if (result.workflow_instance_id) location.hash = `#/workflow/${result.workflow_instance_id}`;
    } catch (error) {
      setOutcome({ error: error instanceof Error ? error.message : String(error) });
    }
  };
  const selectedNode = nodes.find((node) => node.id === selected);

  return (
    <section className="designer">
      <h1>Designer</h1>
      <div className="designer-bar">
        <label>
          name <input aria-label="workflow name" value={meta.name} onChange={(e) => setMeta({ ...meta, name: e.target.value })} />
        </label>
        <label>
          version <input type="number" min={1} value={meta.version} onChange={(e) => setMeta({ ...meta, version: Number(e.target.value) || 1 })} />
        </label>
        <label>
          import <input aria-label="import name" placeholder="registered workflow name" value={importName} onChange={(e) => setImportName(e.target.value)} />
        </label>
        <button onClick={importDefinition} disabled={!importName}>
          Import
        </button>
      </div>
      <div className="designer-body">
        <ul className="palette" aria-label="palette">
          {PALETTE.map((entry, index) => (
            <li
              key={entry.label}
              draggable
              data-testid={`palette-${entry.label}`}
              onDragStart={(event) => {
                event.dataTransfer.setData("application/x-baton-task", String(index));
                event.dataTransfer.effectAllowed = "move";
              }}
              onDoubleClick={() => addTask(index, { x: 80, y: 80 + nodes.length * 90 })}
              title="drag onto the canvas (or double-click)"
            >
              {entry.label}
            </li>
          ))}
        </ul>
        <div className="canvas" data-testid="designer-canvas" onDrop={onDrop} onDragOver={(event) => event.preventDefault()}>
          <ReactFlow
            nodes={nodes}
            edges={edges}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            onNodeClick={(_, node) => setSelected(node.id)}
            defaultEdgeOptions={EDGE_DEFAULTS}
            proOptions={{ hideAttribution: true }}
          >
            <Background />
            <Controls />
          </ReactFlow>
        </div>
        <aside className="designer-side">
          {selectedNode ? (
            <TaskForm
              key={selectedNode.id}
              task={selectedNode.data.task}
              onChange={(task) => setNodes((current) => current.map((node) => (node.id === selectedNode.id ? { ...node, data: { label: `${task.taskReferenceName} (${task.type})`, task } } : node)))}
            />
          ) : (
            <p className="muted">Select a task to edit it.</p>
          )}
          <h3>Definition</h3>
          {composition.problems.length ? (
            <ul className="warnings" data-testid="design-problems">
              {composition.problems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          ) : null}
          <pre data-testid="design-json">{json(composition.definition)}</pre>
          <label>
            <input type="checkbox" checked={trigger} onChange={(e) => setTrigger(e.target.checked)} /> start it after deploying, with input
          </label>
          <textarea aria-label="workflow input" value={input} onChange={(e) => setInput(e.target.value)} rows={3} />
          <button data-testid="deploy" disabled={composition.problems.length > 0} onClick={deploy}>
            Deploy{trigger ? " and start" : ""}
          </button>
          {outcome.message ? <p className="message">{outcome.message}</p> : null}
          {outcome.error ? <p className="error" data-testid="deploy-error">{outcome.error}</p> : null}
          {outcome.warnings?.length ? (
            <ul className="warnings">
              {outcome.warnings.map((warning) => (
                <li key={warning.path + warning.message}>
                  <code>{warning.path}</code>: {warning.message}
                </li>
              ))}
            </ul>
          ) : null}
        </aside>
      </div>
    </section>
  );
}

/** The task's name and reference, and the rest of its fields as JSON. */
function TaskForm({ task, onChange }: { task: DesignNode["task"]; onChange: (task: DesignNode["task"]) => void }) {
  const { name, taskReferenceName, type, ...rest } = task;
  const [text, setText] = useState(json(rest));
  const [error, setError] = useState<string | undefined>(undefined);
  return (
    <div className="task-form" data-testid="task-form">
      <h3>{type}</h3>
      <label>
        name <input aria-label="task name" value={name} onChange={(e) => onChange({ ...task, name: e.target.value })} />
      </label>
      <label>
        reference <input aria-label="task reference" value={taskReferenceName} onChange={(e) => onChange({ ...task, taskReferenceName: e.target.value })} />
      </label>
      <label>
        fields (JSON)
        <textarea
          aria-label="task fields"
          rows={10}
          spellCheck={false}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            try {
              const fields = JSON.parse(e.target.value) as Record<string, unknown>;
              setError(undefined);
              onChange({ ...fields, name, taskReferenceName, type });
            } catch (parseError) {
              setError(parseError instanceof Error ? parseError.message : String(parseError));
            }
          }}
        />
      </label>
      {error ? <p className="error">{error}</p> : null}
    </div>
  );
}
