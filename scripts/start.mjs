/**
 * `npm start`: runs the compiled server (dist/api/node.js) when dist/ holds a
 * build of today's sources, so no TypeScript runner is loaded or compiles on
 * start; otherwise says so and runs the sources through tsx. `npm run build`
 * makes the build. Plain JavaScript: it decides before any loader is registered.
 */
import { serverBuildState, SERVER_ENTRY } from "./server-build-stamp.mjs";
import { pathToFileURL } from "node:url";

const state = await serverBuildState();
let server;
if (state === "current") {
  process.setSourceMapsEnabled(true);
  server = await import(pathToFileURL(SERVER_ENTRY).href);
} else {
  const why = state === "missing" ? "there is no compiled build" : "the compiled build in dist/ is older than the sources";
  process.stderr.write(`baton: ${why}; starting from the TypeScript sources with tsx (run \`npm run build\` for a faster start and less memory)\n`);
  const { register } = await import("tsx/esm/api");
  register();
  server = await import("../src/api/node.ts");
}
server.main().catch((error) => {
  console.error("baton: failed to start:", error);
  process.exit(1);
});
