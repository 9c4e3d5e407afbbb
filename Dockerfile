# Baton's image: `docker build -t baton .`, `docker run -p 8080:8080 -v baton-data:/data baton`.
# Not built by the project's tests (the test machines have no Docker engine);
# tests/unit/packaging.test.ts checks this file and docker-compose.yml by parsing them.

# 1. Production dependencies only, from the lock file. Install scripts are not run:
#    the runtime needs none of them (esbuild, under tsx, ships its binary as a package;
#    deno is a devDependency).
FROM node:22.15-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# 2. The runtime: sources, schema and dependencies, run as the unprivileged `node` user.
FROM node:22.15-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    DATA_DIR=/data \
    BATON_LOG_FORMAT=json
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json package-lock.json schema.graphql ./
COPY --chown=node:node src ./src
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# Ready means every configured component answers (GET /health/ready); /health/live is for restarts.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node itself, not npm: signals (SIGTERM on `docker stop`) reach Baton, which shuts down cleanly.
CMD ["node", "--import", "tsx", "src/api/node.ts"]
