import "@xyflow/react/dist/style.css";
import "./styles.css";
import { lazy, StrictMode, Suspense, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { onAuthenticationRequired, signIn } from "./api.ts";

// One chunk per page, fetched when the page is first opened: the executions list
// does not load elkjs or React Flow, and no page loads the designer's code until asked.
const DagRuns = lazy(() => import("./pages/DagRuns.tsx").then((module) => ({ default: module.DagRuns })));
const Definitions = lazy(() => import("./pages/Definitions.tsx").then((module) => ({ default: module.Definitions })));
const Designer = lazy(() => import("./pages/Designer.tsx").then((module) => ({ default: module.Designer })));
const Executions = lazy(() => import("./pages/Executions.tsx").then((module) => ({ default: module.Executions })));
const Operations = lazy(() => import("./pages/Operations.tsx").then((module) => ({ default: module.Operations })));
const WorkflowPage = lazy(() => import("./pages/Workflow.tsx").then((module) => ({ default: module.WorkflowPage })));

/** The console routes by the URL's hash, so Baton serves one page and every link still works. */
function useHashRoute(): string[] {
  const parse = () => location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const update = () => setRoute(parse());
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return route;
}

function SignIn({ onDone }: { onDone: () => void }) {
  const [keyId, setKeyId] = useState("");
  const [secret, setSecret] = useState("");
  const [error, setError] = useState<string | undefined>(undefined);
  return (
    <form
      className="sign-in"
      onSubmit={(event) => {
        event.preventDefault();
        signIn(keyId, secret).then(onDone, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
      }}
    >
      <h1>Sign in</h1>
      <p className="muted">Baton requires an API key (BATON_AUTH=required). Create one with <code>npm run baton -- keys create</code>.</p>
      <input placeholder="key id" value={keyId} onChange={(e) => setKeyId(e.target.value)} aria-label="key id" />
      <input placeholder="key secret" type="password" value={secret} onChange={(e) => setSecret(e.target.value)} aria-label="key secret" />
      <button type="submit">Sign in</button>
      {error ? <p className="error">{error}</p> : null}
    </form>
  );
}

function App() {
  const route = useHashRoute();
  const [needsKey, setNeedsKey] = useState(false);
  const [generation, setGeneration] = useState(0);
  useEffect(() => onAuthenticationRequired(() => setNeedsKey(true)), []);
  const [page, arg] = route;
  const link = (href: string, label: string, active: boolean) => (
    <a href={href} className={active ? "active" : ""}>
      {label}
    </a>
  );
  return (
    <>
      <nav className="top">
        <span className="brand">Baton</span>
        {link("#/", "Executions", !page || page === "workflow")}
        {link("#/definitions", "Definitions", page === "definitions")}
        {link("#/dagruns", "DAG runs", page === "dagruns")}
        {link("#/operations", "Queues & events", page === "operations")}
        {link("#/designer", "Designer", page === "designer")}
        <a href="/graphiql" target="_blank" rel="noreferrer">
          GraphiQL
        </a>
      </nav>
      <main key={generation}>
        <Suspense fallback={<p className="muted">loading…</p>}>
        {needsKey ? (
          <SignIn
            onDone={() => {
              setNeedsKey(false);
              setGeneration(generation + 1);
            }}
          />
        ) : page === "workflow" && arg ? (
          <WorkflowPage key={arg} id={arg} />
        ) : page === "definitions" ? (
          <Definitions name={arg} />
        ) : page === "dagruns" ? (
          <DagRuns key={arg ?? ""} {...(arg ? { id: arg } : {})} />
        ) : page === "operations" ? (
          <Operations />
        ) : page === "designer" ? (
          <Designer />
        ) : (
          <Executions />
        )}
        </Suspense>
      </main>
    </>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
