// Loads the TypeScript entry through tsx's scoped loader, so the worker starts the
// same way under `npm start` (tsx), vitest, or plain node.
import { tsImport } from "tsx/esm/api";

await tsImport("./node-user-code-worker.ts", import.meta.url);
