/** A started chat channel, as main.ts sees it: a name, a status for /healthz, and a clean stop. */
export interface RunningChannel {
  name: 'telegram' | 'discord' | 'console';
  /** e.g. "polling", "webhook", "connected", "reconnecting". */
  status(): string;
  /** Stops intake (polling, gateway); in-flight turns are drained by the caller. */
  stop(): Promise<void>;
}
