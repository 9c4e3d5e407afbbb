import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openFileEventStore } from "../src/adapters/eventstore/file.ts";
import { StartWorkflowRequestSchema, TaskResultSchema } from "../src/domain/definitions/requests.ts";
import { TaskDefSchema } from "../src/domain/definitions/task-def.ts";
import { parseOrThrow } from "../src/domain/definitions/validate.ts";
import { parseWorkflowDef } from "../src/domain/definitions/check-workflow-def.ts";
import type { EventStore } from "../src/domain/ports.ts";
import { createEngine } from "../src/engine/engine.ts";
const source = { kind: "cli" as const, detail: "bench" };
async function generateLog(dir: string, count: number): Promise<void> {
  const store = await openFileEventStore({ dir, fsync: false });
  const engine = await createEngine({ store });
  await engine.registerTaskDef(parseOrThrow(TaskDefSchema, { name: "r_step", retryCount: 0 }, "task"), false, source);
  await engine.registerWorkflowDef(
    parseWorkflowDef({
      name: "r_flow",
      tasks: ["a", "b", "c"].map((ref, i) => ({
        name: "r_step",
        taskReferenceName: ref,
        inputParameters: { n: i === 0 ? "${workflow.input.n}" : `\${${["a", "b"][i - 1]}.output.n}` },
      })),
    }),
    false,
    source,
  );
  for (let i = 0; i < count; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, count - i) }, (_, k) =>
        engine.startWorkflow(parseOrThrow(StartWorkflowRequestSchema, { name: "r_flow", input: { n: i + k } }, "start"), source),
      ),
    );
  }
  for (;;) {
    const tasks = await engine.poll("r_step", { workerId: "bench", count: 500 });
    if (tasks.length === 0) break;
    await Promise.all(
      tasks.map((task) =>
        engine.updateTask(
          parseOrThrow(
            TaskResultSchema,
            {
              workflowInstanceId: task.workflowInstanceId,
              taskId: task.taskId,
              status: "COMPLETED",
              outputData: { n: Number((task.inputData as { n: number }).n) + 1 },
            },
            "result",
          ),
          source,
        ),
      ),
    );
  }
  await engine.close();
  await store.close();
}
await generateLog(process.argv[2]!, 2000);
