# Baton's image: `docker build -t baton .`, `docker run -p 8080:8080 -v baton-data:/data baton`.
# Not built by the project's tests (the test machines have no Docker engine);
# tests/unit/packaging.test.ts checks this file and docker-compose.yml by parsing them.

# 1. Production dependencies only, from the lock file. Install scripts are not run:
#    the runtime needs none of them (esbuild and Vite's bundler ship their binaries as
#    packages; deno is a devDependency).
FROM node:22.15-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# 2. The compiled build: every dependency (esbuild, Vite), then `npm run build`, which
#    compiles the server to dist/ (scripts/build-server.ts) and the console to dist/console.
FROM node:22.15-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY schema.graphql tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

# 3. The runtime: the compiled server, the console, the schema and production dependencies,
#    run as the unprivileged `node` user. No TypeScript runner loads: no compile on start.
FROM node:22.15-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    DATA_DIR=/data \
    BATON_LOG_FORMAT=json
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json package-lock.json schema.graphql ./
COPY --from=build --chown=node:node /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# Ready means every configured component answers (GET /health/ready); /health/live is for restarts.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node itself, not npm: signals (SIGTERM on `docker stop`) reach Baton, which shuts down cleanly.
CMD ["node", "--enable-source-maps", "dist/api/node.js"]
