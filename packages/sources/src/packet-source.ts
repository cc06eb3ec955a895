import type { MediaPacket } from '@mjpeg-kit/bytes';

/** What every source returns: an async generator of packets with live `stats`. */
export type PacketSource<S> = AsyncGenerator<MediaPacket, void, undefined> & { readonly stats: S };
