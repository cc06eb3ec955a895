/**
 * When each of a server's connections opened and closed, so that counts can be read for a time
 * window after the window ended: a load generator that tears its sockets down after the window
 * (and the closes that follow) does not change what the window saw. Instants are milliseconds on
 * any clock shared by the processes involved.
 */
export class ConnectionLog {
  readonly #openedMs: number[] = [];
  readonly #closedMs: number[] = [];

  /** Records a connection accepted at `atMs`. */
  opened(atMs: number): void {
    this.#openedMs.push(atMs);
  }

  /** Records a connection that closed (either side) at `atMs`. */
  closed(atMs: number): void {
    this.#closedMs.push(atMs);
  }

  /** Connections open at `atMs`: opened at or before it, not closed by then. */
  openAt(atMs: number): number {
    return countAtOrBefore(this.#openedMs, atMs) - countAtOrBefore(this.#closedMs, atMs);
  }

  /** Connections that closed after `fromMs` and at or before `toMs`. */
  closedBetween(fromMs: number, toMs: number): number {
    return countAtOrBefore(this.#closedMs, toMs) - countAtOrBefore(this.#closedMs, fromMs);
  }
}

function countAtOrBefore(instants: readonly number[], atMs: number): number {
  let count = 0;
  for (const instant of instants) if (instant <= atMs) count++;
  return count;
}
