import { Worker } from 'node:worker_threads';
import type { ModelFiles } from '../ml/model-files.ts';
import type { TrainOptions } from '../ml/train.ts';
import type { TrainingData } from '../ml/training-data.ts';

/** Runs trainFeelmsModels in a worker thread; works from src/ (tsx) and from dist/ (compiled). */
export function trainInWorker(data: TrainingData, options: TrainOptions = {}): Promise<ModelFiles> {
  const fromSource = import.meta.url.endsWith('.ts');
  const script = new URL(fromSource ? './train-worker.ts' : './train-worker.js', import.meta.url);
  return new Promise((resolve, reject) => {
    // From source (tsx, vitest) the worker registers tsx's loader itself before importing the .ts
    // script: a worker does not inherit the parent's loader hooks.
    const worker = fromSource
      ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(script.href)}); });`, { eval: true, workerData: { data, options } })
      : new Worker(script, { workerData: { data, options } });
    let settled = false;
    worker.once('message', (message: ({ ok: true } & ModelFiles) | { ok: false; message: string }) => {
      settled = true;
      if (message.ok) resolve({ manifest: message.manifest, files: Object.fromEntries(Object.entries(message.files).map(([name, bytes]) => [name, new Uint8Array(bytes)])) });
      else reject(new Error(`training failed: ${message.message}`));
      void worker.terminate();
    });
    worker.once('error', (error) => {
      if (!settled) reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`training worker exited with code ${code}`));
    });
  });
}
