/**
 * `promise`'s value, or `undefined` as soon as `signal` aborts (at once when it already has).
 * The promise is left running, and a rejection after the abort is swallowed, so a read or open
 * that never settles cannot hold up a shutdown. Without a `signal`, `promise` itself.
 *
 * @example
 * ```ts
 * const result = await untilAborted(reader.read(), signal);
 * if (result === undefined) return; // aborted
 * ```
 */
export function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T | undefined> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.resolve(undefined);
  }
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
