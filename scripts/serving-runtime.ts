/**
 * How the bot's process is started in production (the Dockerfile's ENV and CMD), in one place so the
 * turn benchmark measures the same process an operator runs. tests/deploy/serving-runtime.test.ts
 * fails when the Dockerfile and these drift apart.
 *
 * Each setting was measured with `npm run bench -- --only turn` (MariaDB, ml-latest-small, models loaded):
 * - MALLOC_ARENA_MAX=2: onnxruntime, libuv and worker threads each grab a glibc arena otherwise;
 *   resident memory under load 415 → ~340 MB.
 * - --max-semi-space-size=8: an 8 MB young generation; 4 MB made scoring 2.5× slower.
 * - --liftoff-only: Prisma's query compiler is a 3.4 MB WebAssembly module. V8's optimising tier
 *   (TurboFan) compiling its hot functions left ~35–60 MB resident (loaded bot 262 → 196 MB) and bought
 *   no speed: Prisma caches query plans, so the module runs once per query shape, not per turn
 *   (same turns/s and p50 with and without). Not allowed in NODE_OPTIONS, so it goes on the command line.
 * - --max-old-space-size=512: without a limit V8 sizes its heap for the host's RAM (4 GB on a 24 GB
 *   machine) and lets garbage pile up during bursts; with one it collects sooner. Peak resident memory
 *   over the 32-user run fell from 258–324 to ~200 MB at the same turns/s. The bot's live heap is
 *   ~45 MB, so 512 MB leaves ample room for big Discord caches; raise it if /metrics says otherwise.
 */
export const SERVING_ENV = { MALLOC_ARENA_MAX: '2' } as const;
export const SERVING_NODE_FLAGS = ['--liftoff-only', '--max-semi-space-size=8', '--max-old-space-size=512'] as const;
