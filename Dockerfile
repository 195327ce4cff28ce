# syntax=docker/dockerfile:1
# Multi-stage, glibc (onnxruntime-node has no musl build), non-root. The commands are the README's
# (npm ci, npm run build), which the clean-clone check runs; Docker itself cannot be built on the
# development machines.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# onnxruntime-node's install script downloads CUDA files; the CPU binaries ship in the package.
ENV ONNXRUNTIME_NODE_INSTALL=skip ONNXRUNTIME_NODE_INSTALL_CUDA=skip
# better-sqlite3 builds from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts/prisma-generate.mjs scripts/
COPY prisma prisma
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
# The bot listens on every interface inside the container (HTTP_HOST defaults to 127.0.0.1 elsewhere).
ENV NODE_ENV=production ONNXRUNTIME_NODE_INSTALL=skip ONNXRUNTIME_NODE_INSTALL_CUDA=skip HTTP_PORT=8080 HTTP_HOST=0.0.0.0
# Memory settings, measured and explained in scripts/serving-runtime.ts (the turn benchmark starts its
# serving process with the same ones; tests/deploy/serving-runtime.test.ts keeps the two in step):
# fewer glibc arenas, an 8 MB V8 young generation, no optimising tier for Prisma's WebAssembly, and a
# heap limit so V8 sizes its heap for a small process rather than for the host.
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/prisma prisma
COPY --from=build --chown=node:node /app/models models
RUN mkdir -p data && chown node:node data
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s CMD node -e "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Run with `docker run --init` (or compose's init: true) so signals reach node and zombies are reaped.
# Migrations also run at start; `node dist/scripts/migrate.js` applies them as a separate step.
CMD ["node", "--liftoff-only", "--max-semi-space-size=8", "--max-old-space-size=512", "dist/src/main.js"]
