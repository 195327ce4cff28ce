/**
 * Trains in a worker thread, so the bot's event loop keeps answering while the models train
 * (RELIABILITY.md case 11). Receives TrainingData, posts back the model files and manifest.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { trainFeelmsModels, type TrainOptions } from '../ml/train.ts';
import type { TrainingData } from '../ml/training-data.ts';

const { data, options } = workerData as { data: TrainingData; options: TrainOptions };
trainFeelmsModels(data, options).then(
  (models) => {
    const buffers = Object.values(models.files).map((bytes) => bytes.buffer as ArrayBuffer);
    parentPort!.postMessage({ ok: true, files: models.files, manifest: models.manifest }, [...new Set(buffers)]);
  },
  (error: unknown) => parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) }),
);
