// A re-export only, for modules that still import PacketSource from here: it lives in
// ../packet-source.ts (the synthetic camera itself is in @mjpeg-kit/sources).
export type { PacketSource } from '../packet-source.js';
