/**
 * Wraps the conversation for the channels: every turn runs in one database transaction (a rating
 * and its `view` row commit together, and a turn that failed half-way leaves nothing behind), while
 * the database is known to be down turns are answered "temporarily unavailable" at once (the
 * breaker), shutdown can wait for in-flight turns, and /metrics counts them. Adapters receive this
 * wrapper; the core does not know about it.
 *
 * Inside a delivery transaction (src/delivery: the update's completion and its replies), the turn
 * joins it, and a failed turn is thrown out as TurnUndone so that whole transaction rolls back.
 */
import type { Completion, CompletionRequest, Conversation, Inbound, Turn } from '../core/conversation/turn.ts';
import { unavailableTurn } from '../core/conversation/conversation.ts';
import { StorageUnavailableError } from '../core/ports/repositories.ts';
import { TurnUndone } from '../delivery/ports.ts';
import type { Metrics } from '../infra/http/http-server.ts';
import { isStorageUnavailable } from '../infra/db/repositories/storage-errors.ts';
import { IdleSignal } from '../shared/idle-signal.ts';

/** How turns get their transaction (src/infra/db/transaction-scope.ts). */
export interface TurnTransactions {
  readonly active: boolean;
  run<T>(work: () => Promise<T>): Promise<T>;
}

/** What the wrapper needs of the breaker (src/delivery/breaker.ts). */
export interface TurnBreaker {
  readonly isOpen: boolean;
  trip(cause?: unknown): void;
}

export class TrackedConversation implements Conversation {
  private inFlight = 0;
  private readonly drained = new IdleSignal(() => this.inFlight === 0);

  constructor(
    private readonly inner: Conversation,
    private readonly metrics?: Metrics,
    private readonly transactions?: TurnTransactions,
    private readonly breaker?: TurnBreaker,
  ) {}

  async handle(input: Inbound): Promise<Turn> {
    this.inFlight++;
    this.metrics?.increment('turns_total', { platform: input.user.platform, kind: input.kind });
    try {
      if (this.breaker?.isOpen) {
        this.metrics?.increment('turns_unavailable_total');
        const turn: Turn = { ...unavailableTurn(input), outcome: 'unavailable' };
        if (this.transactions?.active) throw new TurnUndone(turn);
        return turn;
      }
      return await this.transacted(input);
    } finally {
      this.inFlight--;
      this.drained.check();
    }
  }

  private async transacted(input: Inbound): Promise<Turn> {
    const transactions = this.transactions;
    const undoable = async () => {
      const turn = await this.inner.handle(input);
      if (turn.outcome === 'unavailable') this.breaker?.trip(new StorageUnavailableError());
      if (turn.outcome) throw new TurnUndone(turn);
      return turn;
    };
    if (!transactions) return this.inner.handle(input);
    // Joined: the delivery transaction around it decides (and sees TurnUndone).
    if (transactions.active) return undoable();
    try {
      return await transactions.run(undoable);
    } catch (error) {
      if (error instanceof TurnUndone) return error.turn;
      if (error instanceof StorageUnavailableError || isStorageUnavailable(error)) {
        this.breaker?.trip(error);
        return { ...unavailableTurn(input), outcome: 'unavailable' };
      }
      throw error;
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
    return this.drained.wait(timeoutMs);
  }
}
