/** The peers ship no types; only what the bench calls is declared. */
declare module 'mjpeg-server' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  export function createReqHandler(
    req: IncomingMessage,
    res: ServerResponse,
  ): { write(frame: Buffer): boolean };
}

declare module 'mjpeg-proxy' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  export class MjpegProxy {
    constructor(mjpegUrl: string);
    proxyRequest(req: IncomingMessage, res: ServerResponse): void;
  }
}
