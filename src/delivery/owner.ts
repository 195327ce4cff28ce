/**
 * Which process owns delivery work: "host:pid". A process that finds rows owned by a pid on its own
 * host that no longer runs (kill -9, then a restart) takes them over at once; rows of other hosts'
 * processes are taken over only once they are stale (their process may still be working on them).
 * @example
 * const me = processOwner(); // "ip-10-0-1-7:4180"
 * ownerIsGone('ip-10-0-1-7:99999') // true when that pid is not running here
 */
import { hostname } from 'node:os';

/** Given up at shutdown: the next process may take the rows at once. */
export const RELEASED_OWNER = 'released';

export const processOwner = (): string => `${hostname()}:${process.pid}`;

/** True when `owner` released its rows, or is a process on this host that no longer runs. */
export function ownerIsGone(owner: string, me = processOwner()): boolean {
  if (owner === RELEASED_OWNER) return true;
  if (owner === me) return false;
  const colon = owner.lastIndexOf(':');
  if (colon < 0 || owner.slice(0, colon) !== hostname()) return false;
  const pid = Number(owner.slice(colon + 1));
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
