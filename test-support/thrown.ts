/**
 * The error `action` throws, checked to be an `ErrorClass`, so a test can assert its `code`,
 * `offset` or `option`. Anything else thrown is rethrown; returning normally fails the test.
 */
export function thrownBy<E extends Error>(action: () => unknown, ErrorClass: new (...args: never[]) => E): E {
  try {
    action();
  } catch (error) {
    if (error instanceof ErrorClass) return error;
    throw error;
  }
  throw new Error(`expected a ${ErrorClass.name}, but nothing was thrown`);
}
