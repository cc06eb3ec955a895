// Re-exports only, for modules that still import these from here: the abortable clock lives in
// @mjpeg-kit/bytes (the one shared copy), the option check in ./options.ts.
export { sleepUntil } from '@mjpeg-kit/bytes';
export { checkRange } from './options.js';
