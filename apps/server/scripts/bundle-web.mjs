// `npm pack`/`npm publish` of mjpeg-kit-server ship the player page: copy apps/web's Vite build
// into ./web (where the server looks first) before packing, and remove it after (postpack), so a
// stale copy never shadows apps/web/dist in the monorepo.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const target = fileURLToPath(new URL('../web', import.meta.url));
rmSync(target, { recursive: true, force: true });
if (process.argv[2] !== '--clean') {
  const built = fileURLToPath(new URL('../../web/dist', import.meta.url));
  if (!existsSync(`${built}/index.html`)) {
    console.error(
      `mjpeg-kit-server: ${built}/index.html is missing; run \`npm run build\` at the repo root first`,
    );
    process.exit(1);
  }
  cpSync(built, target, { recursive: true });
}
