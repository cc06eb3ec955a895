// An open GET whose body the stream readers take chunk by chunk, as it arrives.
import { get as httpGet, type IncomingMessage } from 'node:http';

/** GETs `url` and hands each body chunk to `take`; `ended` turns true on the end or any error. */
export abstract class BodyReader {
  ended = false;
  response: IncomingMessage | undefined;
  readonly #request: ReturnType<typeof httpGet>;

  constructor(url: string) {
    this.#request = httpGet(url, (res) => {
      this.response = res;
      res.on('data', (chunk: Buffer) => this.take(chunk));
      res.on('end', () => {
        this.ended = true;
      });
      res.on('error', () => {
        this.ended = true;
      });
    });
    this.#request.on('error', () => {
      this.ended = true;
    });
  }

  /** One chunk of the body. Called only after construction (chunks arrive on later ticks). */
  protected abstract take(chunk: Buffer): void;

  close(): void {
    this.#request.destroy();
  }
}
