/** Live counters of one NATS link (a publisher or a source), for `/state` and `/metrics`. */
export interface NatsLinkStats {
  /** Connected to a NATS server now. */
  connected: boolean;
  /** The server connected to now, `host:port`, never with credentials. */
  server?: string;
  /** Reconnects after a lost connection (the first connection is not one). */
  reconnects: number;
  /** Source: complete frames received. Publisher: frames handed to it by the hub. */
  framesIn: number;
  /** Source: frames yielded to the consumer. Publisher: frames published. */
  framesOut: number;
  /** Audio packets, counted like the frames. */
  audioIn: number;
  audioOut: number;
  /**
   * Frames that will never be delivered: source, a lost piece, too large, or replaced in the
   * queue by a newer one (slow consumer); publisher, not sent while disconnected or while the
   * client's outbound buffer was over its bound.
   */
  framesDropped: number;
  /** Of `framesDropped`, those a slow consumer (source) or a slow link (publisher) skipped. */
  framesSkipped: number;
  /** Audio packets dropped (queue over its duration bound, or not sent while disconnected). */
  audioDropped: number;
  /** Pieces of frames that never arrived (source). */
  piecesLost: number;
  /** Body bytes received (source) or published (publisher). */
  bytes: number;
  /**
   * Source: the origin answered recently (a packet or a latest-frame reply within
   * `originTimeoutMs`); `false` until it first does. Publisher: always `true`.
   */
  originOnline: boolean;
  /** Source: latest-frame requests sent. Publisher: requests answered. */
  latestRequests: number;
}

export function emptyStats(originOnline: boolean): NatsLinkStats {
  return {
    connected: false,
    reconnects: 0,
    framesIn: 0,
    framesOut: 0,
    audioIn: 0,
    audioOut: 0,
    framesDropped: 0,
    framesSkipped: 0,
    audioDropped: 0,
    piecesLost: 0,
    bytes: 0,
    originOnline,
    latestRequests: 0,
  };
}
