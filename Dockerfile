# syntax=docker/dockerfile:1
# The witkey image: one image for `witkey worker` (the default), `witkey webhook`, `witkey sandbox` and the client
# commands. README, "Deployment". Checked without an engine by test/deploy/compose.test.ts (BuildKit's parser).

# ---- build: compile the TypeScript, pre-build the workflow bundle, drop the dev dependencies ----
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
# the dependencies first: this layer is reused while package.json and the lockfile do not change
COPY package.json package-lock.json ./
# the sandbox's better-sqlite3 is a native module: npm fetches its prebuilt binary, or compiles it when it cannot
# (python3, make and a C++ compiler; the slim image has none). The runtime stage has the same glibc.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
RUN npm ci --no-audit --no-fund
COPY . .
# npm run build = tsc + the workflow bundle in dist/workflow-bundle/ (with the manifest a worker checks it against);
# the compiled tests and benchmarks are not shipped; then only the runtime dependencies are kept
RUN npm run build \
    && test -f dist/workflow-bundle/workflow-bundle.js \
    && rm -rf dist/test dist/bench dist/.tsbuildinfo \
    && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: the compiled code, the runtime dependencies, a non-root user ----
FROM node:20.20.2-bookworm-slim AS runtime
ENV NODE_ENV=production \
    WITKEY_DATA_DIR=/data
WORKDIR /app
# state written at run time lives under /data (audit records, the sandbox's keys and books): owned by the
# unprivileged user, so that named volumes mounted there start out writable by it
RUN mkdir -p /data/audit /data/sandbox && chown -R node:node /data
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
# the code stays owned by root and read-only for the process
USER node
EXPOSE 8280 8290
ENTRYPOINT ["node", "bin/witkey.js"]
CMD ["worker"]
