/**
 * Wraps the conversation so shutdown can wait for in-flight turns and /metrics can count them.
 * Adapters receive this wrapper; the core does not know about it.
 */
import type { Completion, CompletionRequest, Conversation, Inbound, Turn } from '../core/conversation/turn.ts';
import type { Metrics } from '../infra/http/http-server.ts';

export class TrackedConversation implements Conversation {
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly inner: Conversation,
    private readonly metrics?: Metrics,
  ) {}

  async handle(input: Inbound): Promise<Turn> {
    this.inFlight++;
    this.metrics?.increment('turns_total', { platform: input.user.platform, kind: input.kind });
    try {
      return await this.inner.handle(input);
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** Suggestions while typing (autocomplete): not a turn, so neither counted nor waited for. */
  complete(request: CompletionRequest): Promise<Completion[]> {
    return this.inner.complete ? this.inner.complete(request) : Promise.resolve([]);
  }

  get pending(): number {
    return this.inFlight;
  }

  /** Resolves when no turn is running, or after `timeoutMs` (whichever comes first). */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
