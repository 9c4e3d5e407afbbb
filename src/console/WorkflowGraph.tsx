import { Background, Controls, type Edge, MarkerType, type Node, ReactFlow } from "@xyflow/react";
import type { ELK as ElkLayout } from "elkjs/lib/elk-api.js";
import { useEffect, useMemo, useState } from "react";
import { type DefinitionTask, definitionGraph, type TaskAttempt, statusByNode, toneOf } from "./graph.ts";

// elkjs is most of the console's code: fetched with the first graph drawn, so the designer never loads it.
let elk: Promise<ElkLayout> | undefined;
const layoutEngine = (): Promise<ElkLayout> => (elk ??= import("elkjs/lib/elk.bundled.js").then((module) => new module.default()));
const NODE_WIDTH = 190;
const NODE_HEIGHT = 54;

export interface WorkflowGraphProps {
  tasks: readonly DefinitionTask[];
  /** The workflow's task attempts: nodes are coloured by their latest one. */
  attempts?: readonly TaskAttempt[];
  /** A node to ring (the retry suggestion's restart point). */
  highlight?: string;
  selected?: string;
  onSelect?: (ref: string) => void;
}

/** The definition drawn top to bottom by elk's layered layout, each task coloured by its status. */
export function WorkflowGraph({ tasks, attempts = [], highlight, selected, onSelect }: WorkflowGraphProps) {
  const graph = useMemo(() => definitionGraph(tasks), [tasks]);
  const statuses = useMemo(() => statusByNode(attempts), [attempts]);
  const graphKey = useMemo(() => graph.nodes.map((node) => node.id).join("|") + "#" + graph.edges.map((edge) => edge.id).join("|"), [graph]);
  const [positions, setPositions] = useState<Map<string, { x: number; y: number }>>(new Map());

  useEffect(() => {
    let current = true;
    // Another graph (the page moved to another workflow): start over as on a first load,
    // with a fresh React Flow below (its key), rather than the last graph's positions.
    setPositions(new Map());
    layoutEngine()
      .then((engine) => engine.layout({
        id: "root",
        layoutOptions: { "elk.algorithm": "layered", "elk.direction": "DOWN", "elk.spacing.nodeNode": "30", "elk.layered.spacing.nodeNodeBetweenLayers": "40" },
        children: graph.nodes.map((node) => ({ id: node.id, width: NODE_WIDTH, height: NODE_HEIGHT })),
        edges: graph.edges.filter((edge) => !edge.loopBack).map((edge) => ({ id: edge.id, sources: [edge.source], targets: [edge.target] })),
      }))
      .then((laid) => {
        if (current) setPositions(new Map((laid.children ?? []).map((child) => [child.id, { x: child.x ?? 0, y: child.y ?? 0 }])));
      })
      .catch((error: unknown) => console.error("layout failed", error));
    return () => {
      current = false;
    };
  }, [graph]);

  const nodes: Node[] = graph.nodes.map((node) => {
    const attempt = statuses.get(node.id);
    const tone = node.kind === "task" ? toneOf(attempt?.status) : "terminal";
    return {
      id: node.id,
      position: positions.get(node.id) ?? { x: 0, y: 0 },
      data: {
        label: (
          <div className="node-label" data-testid={`node-${node.id}`} data-status={attempt?.status ?? ""}>
            <strong>{node.label}</strong>
            <span>
              {node.taskType}
              {attempt ? ` · ${attempt.status}` : ""}
            </span>
            {node.subWorkflow ? <span className="sub">→ {node.subWorkflow}</span> : null}
          </div>
        ),
      },
      className: `wf-node tone-${tone}${highlight === node.id ? " restart-point" : ""}${selected === node.id ? " selected-node" : ""}`,
      style: { width: NODE_WIDTH, height: NODE_HEIGHT },
      // Fixed dimensions: React Flow then never waits to measure a node. Without them
      // every node object rebuilt on a live update starts unmeasured, is drawn with
      // visibility: hidden, and its edges (and their labels) are left out until a
      // ResizeObserver pass, which a loaded machine can delay past a test's patience.
      width: NODE_WIDTH,
      height: NODE_HEIGHT,
      draggable: false,
      connectable: false,
    };
  });
  const edges: Edge[] = graph.edges.map((edge) => ({
    id: edge.id,
    source: edge.source,
    target: edge.target,
    ...(edge.label ? { label: edge.label } : {}),
    animated: edge.loopBack ?? false,
    markerEnd: { type: MarkerType.ArrowClosed },
    className: edge.loopBack ? "loop-edge" : "",
  }));

  return (
    <div className="graph" data-testid="workflow-graph" data-laid-out={positions.size > 0 ? "yes" : "no"}>
      <ReactFlow nodes={nodes} edges={edges} fitView={positions.size > 0} key={`${graphKey}:${positions.size > 0 ? "laid" : "unlaid"}`} onNodeClick={(_, node) => onSelect?.(node.id)} nodesDraggable={false} proOptions={{ hideAttribution: true }}>
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
