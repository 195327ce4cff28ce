/**
 * Trains in a worker thread, so the bot's event loop keeps answering while the SVD and the forest
 * train (RELIABILITY.md case 11). Receives TrainingData, posts back the ONNX bytes and manifest.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { trainFeelmsModels, type TrainOptions } from '../ml/train.ts';
import type { TrainingData } from '../ml/training-data.ts';

const { data, options } = workerData as { data: TrainingData; options: TrainOptions };
trainFeelmsModels(data, options).then(
  (models) => {
    parentPort!.postMessage({ ok: true, svdOnnx: models.svdOnnx, forestOnnx: models.forestOnnx, manifest: models.manifest }, [
      models.svdOnnx.buffer as ArrayBuffer,
      models.forestOnnx.buffer as ArrayBuffer,
    ]);
  },
  (error: unknown) => parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) }),
);
