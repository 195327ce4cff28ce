/**
 * The fake Discord on its own thread, for timing. In the same thread as the bot, the fake's clock
 * would stop whenever the bot's event loop is busy and the fake's own request handling would slow
 * the bot: neither is true of the real Discord. Here the fake stamps dispatches and
 * acknowledgements on its own event loop, as Discord does on its servers.
 *
 * Used by scripts/bench-discord.ts. The worker registers tsx's loader itself.
 * @example
 * const fake = await FakeDiscordThread.start();
 * const bot = await startDiscordBot({ config: { token: fake.botToken, appId: fake.appId, apiRoot: fake.apiRoot }, … });
 * const { ackMs, completeMs } = await fake.feelBurst(50, 'r0');
 */
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { FakeDiscord, fakeUser, type InteractionRecord } from './fake-discord.ts';

type Operation = { op: 'start' } | { op: 'burst'; count: number; label: string; timeoutMs: number } | { op: 'close' };
type Request = Operation & { id: number };

export interface BurstResult {
  /** Dispatch → accepted acknowledgement, ms; -1 when never acknowledged. */
  ackMs: number[];
  /** Dispatch → last request of the complete answer, ms, for the answers that completed. */
  completeMs: number[];
  /** Discord error codes the fake returned (10062, 40060, 50035, …). */
  errors: number[];
}

interface StartResult {
  apiRoot: string;
  botToken: string;
  appId: string;
}

function completedAt(fake: FakeDiscord, record: InteractionRecord): number {
  return Math.max(...fake.requests.filter((r) => r.path.includes(record.token)).map((r) => r.at));
}

/** The worker side: owns one FakeDiscord. */
function serve(): void {
  let fake: FakeDiscord | null = null;
  let counter = 0;
  parentPort!.on('message', (request: Request) => {
    const answer = (value: unknown) => parentPort!.postMessage({ id: request.id, value });
    const fail = (error: unknown) => parentPort!.postMessage({ id: request.id, error: String(error) });
    if (request.op === 'start') {
      FakeDiscord.start().then((started) => {
        fake = started;
        answer({ apiRoot: started.apiRoot, botToken: started.botToken, appId: started.appId } satisfies StartResult);
      }, fail);
    } else if (request.op === 'burst') {
      const f = fake!;
      const records = Array.from({ length: request.count }, () => {
        counter++;
        return f.feel('happy', { user: fakeUser(`1${String(counter).padStart(18, '0')}`, `${request.label}-${counter}`) });
      });
      const settled = () => records.every((r) => r.errors.length > 0 || r.followUps.length >= 5);
      f.waitFor(settled, request.timeoutMs, 'burst answered')
        .catch(() => undefined)
        .then(() =>
          answer({
            ackMs: records.map((r) => (r.ack ? r.ack.at - r.dispatchedAt : -1)),
            completeMs: records.filter((r) => r.followUps.length >= 5).map((r) => completedAt(f, r) - r.dispatchedAt),
            errors: records.flatMap((r) => r.errors),
          } satisfies BurstResult),
        )
        .catch(fail);
    } else {
      (fake ? fake.close() : Promise.resolve()).then(() => {
        answer(null);
        parentPort!.close();
      }, fail);
    }
  });
}

/** The bot side's handle on the fake thread. */
export class FakeDiscordThread {
  apiRoot = '';
  botToken = '';
  appId = '';
  private next = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: { id: number; value?: unknown; error?: string }) => {
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(message.error));
      else waiter?.resolve(message.value);
    });
  }

  static async start(): Promise<FakeDiscordThread> {
    // Workers do not inherit tsx's loader on Node 20: register it in the worker, then load this file.
    const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const thread = new FakeDiscordThread(new Worker(bootstrap, { eval: true }));
    const started = (await thread.call({ op: 'start' })) as StartResult;
    thread.apiRoot = started.apiRoot;
    thread.botToken = started.botToken;
    thread.appId = started.appId;
    return thread;
  }

  /** `count` simultaneous `/feel mood:happy` from as many new users; resolves when all are answered. */
  feelBurst(count: number, label: string, timeoutMs = 120_000): Promise<BurstResult> {
    return this.call({ op: 'burst', count, label, timeoutMs }) as Promise<BurstResult>;
  }

  async close(): Promise<void> {
    await this.call({ op: 'close' });
    await this.worker.terminate();
  }

  private call(request: Operation): Promise<unknown> {
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id });
    });
  }
}

if (!isMainThread && parentPort) serve();
