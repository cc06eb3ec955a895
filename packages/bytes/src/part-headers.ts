/**
 * Case-insensitive header map that keeps wire order and repeated names. Unlike the Fetch
 * `Headers` class it never throws on odd names or values, because cameras send them.
 */
export class PartHeaders implements Iterable<[string, string]> {
  readonly #fields: [string, string][];

  constructor(fields: Iterable<readonly [string, string]> | Record<string, string> = []) {
    this.#fields = isIterable(fields)
      ? Array.from(fields, ([name, value]) => [name, value] as [string, string])
      : Object.entries(fields);
  }

  /** The first value of `name` (any letter case), or `null`. */
  get(name: string): string | null {
    const wanted = name.toLowerCase();
    for (const [fieldName, value] of this.#fields) if (fieldName.toLowerCase() === wanted) return value;
    return null;
  }

  /** Every value of `name`, in wire order. */
  getAll(name: string): string[] {
    const wanted = name.toLowerCase();
    const values: string[] = [];
    for (const [fieldName, value] of this.#fields) if (fieldName.toLowerCase() === wanted) values.push(value);
    return values;
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }

  /** Adds a field after the existing ones. */
  append(name: string, value: string): void {
    this.#fields.push([name, value]);
  }

  /** `[name, value]` pairs in wire order, names as sent. */
  entries(): IterableIterator<[string, string]> {
    return this.#fields.values();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.#fields.values();
  }

  get size(): number {
    return this.#fields.length;
  }
}

function isIterable(value: unknown): value is Iterable<readonly [string, string]> {
  return typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';
}
