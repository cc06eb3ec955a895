/** `npm run bench` in packages/nats: the scale-out simulation (scale-out.ts). */
import './scale-out.js';
