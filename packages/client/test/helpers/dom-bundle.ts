import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const packagesDir = fileURLToPath(new URL('../../../', import.meta.url));
const domEntry = fileURLToPath(new URL('../../src/dom.ts', import.meta.url));

/** Resolves `@mjpeg-kit/x` to packages/x/src, as vitest.shared.ts does, so no build is needed. */
const workspaceSource: Plugin = {
  name: 'workspace-source',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^@mjpeg-kit\// }, (args) => {
      const [, name, sub] = /^@mjpeg-kit\/([^/]+)(?:\/(.+))?$/.exec(args.path)!;
      return { path: `${packagesDir}${name}/src/${sub ?? 'index'}.ts` };
    });
  },
};

/** `@mjpeg-kit/client/dom` from source as one browser script that sets `window.MjpegKitDom`. */
export async function bundleDomEntry(): Promise<string> {
  const result = await build({
    stdin: {
      contents: `export * from ${JSON.stringify(domEntry)};`,
      resolveDir: packagesDir,
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'MjpegKitDom',
    platform: 'browser',
    target: 'es2022',
    plugins: [workspaceSource],
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}
