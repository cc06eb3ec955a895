/**
 * The three browser engines installed here, behind one small interface, so one e2e suite runs in
 * each: Debian's Chromium (puppeteer-core over CDP), Firefox ESR (puppeteer-core over WebDriver BiDi) and
 * WebKitGTK, Safari's engine (WebKitWebDriver + MiniBrowser under a private Xvfb, classic WebDriver
 * over fetch). Every process started here is stopped by pid in `close()`; every start is bounded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Page as PlaywrightPage } from 'playwright-core';
import type { Browser as PuppeteerBrowser, Page as PuppeteerPage } from 'puppeteer-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.js';
import { hasTool } from './has-tool.js';
import { toolGate } from './tools.js';

export type EngineName = 'chromium' | 'firefox' | 'webkit';

export const ENGINE_NAMES: readonly EngineName[] = ['chromium', 'firefox', 'webkit'];

export const FIREFOX_PATH = '/usr/bin/firefox-esr';
export const WEBKIT_DRIVER_PATH = '/usr/bin/WebKitWebDriver';
export const MINIBROWSER_PATH = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const XVFB = 'Xvfb';

/** How long an engine may take to start (a cold Firefox on a loaded 2-core host takes ~8 s). */
const START_TIMEOUT_MS = 30_000;
/** Bound on any one command to a browser. */
const COMMAND_TIMEOUT_MS = 30_000;

/** One open page of an engine. */
export interface EnginePage {
  /**
   * Runs `script` in the page: a function (called with `args`, serialised as JSON) or an
   * expression. Promises are awaited; the result must be JSON-serialisable.
   */
  evaluate<T, A extends unknown[] = []>(
    script: string | ((...args: A) => T),
    ...args: A
  ): Promise<Awaited<T>>;
  /** Polls `script` in the page until it returns a truthy value (throws after `timeoutMs`). */
  waitFor<T, A extends unknown[] = []>(
    script: string | ((...args: A) => T),
    timeoutMs: number,
    ...args: A
  ): Promise<NonNullable<Awaited<T>>>;
  /** PNG of the viewport. */
  screenshot(): Promise<Uint8Array>;
  /** A real (trusted) click on the first element matching `selector`: it counts as a user gesture. */
  click(selector: string): Promise<void>;
  /** Navigates this page. */
  goto(url: string): Promise<void>;
  /**
   * Hides the page the way a user does (another tab in front, or the window minimised), so
   * `document.visibilityState` turns `hidden`; `undefined` when the engine cannot.
   */
  hide: (() => Promise<void>) | undefined;
  /** Shows it again. */
  show: (() => Promise<void>) | undefined;
  close(): Promise<void>;
}

export interface BrowserEngine {
  name: EngineName;
  /** The browser's own version string. */
  version: string;
  /** The browser's top process (its renderers are its descendants), when known: for memory reads. */
  pid: number | undefined;
  open(url: string, options?: { viewport?: { width: number; height: number } }): Promise<EnginePage>;
  /** Closes every page and stops every process this engine started, by pid. */
  close(): Promise<void>;
}

/** The skip/fail gate of an engine, for `describe.skipIf(gate.skip)` + `gate.assertPresent()`. */
export function engineTool(name: EngineName): ReturnType<typeof toolGate> {
  switch (name) {
    case 'chromium':
      return toolGate(`chromium (${CHROMIUM_PATH})`, hasTool(CHROMIUM_PATH));
    case 'firefox':
      return toolGate(`firefox-esr (${FIREFOX_PATH})`, hasTool(FIREFOX_PATH));
    case 'webkit':
      return toolGate(
        `WebKitGTK (${WEBKIT_DRIVER_PATH}, ${MINIBROWSER_PATH}, Xvfb)`,
        hasTool(WEBKIT_DRIVER_PATH) && hasTool(MINIBROWSER_PATH) && hasTool(XVFB),
      );
  }
}

/** Starts `name`; rejects after `START_TIMEOUT_MS` (having stopped what it started). */
export function launchEngine(name: EngineName): Promise<BrowserEngine> {
  switch (name) {
    case 'chromium':
      return withTimeout('Chromium to start', launchChromiumEngine(), START_TIMEOUT_MS);
    case 'firefox':
      return withTimeout('Firefox to start', launchFirefoxEngine(), START_TIMEOUT_MS);
    case 'webkit':
      return launchWebKitEngine();
  }
}

async function withTimeout<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `script` as an expression calling it with `args` (JSON), for the engines that take source text. */
function callExpression(script: string | ((...args: never[]) => unknown), args: unknown[]): string {
  if (typeof script === 'string') return script;
  return `(${script.toString()})(...${JSON.stringify(args)})`;
}

async function pollPage<T>(
  evaluate: () => Promise<T>,
  what: string,
  timeoutMs: number,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await evaluate();
    if (last) return last as NonNullable<T>;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** Sends SIGTERM to `pid` (SIGKILL after 3 s) and waits, bounded, for it to go. */
async function stopPid(pid: number | undefined, child?: ChildProcess): Promise<void> {
  if (pid === undefined) return;
  if (child && (child.exitCode !== null || child.signalCode !== null)) return;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return child ? child.exitCode === null && child.signalCode === null : true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 3000;
  while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (alive()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The pids of `pid`'s children (Linux /proc), for the browser a driver launched. */
function childPids(pid: number): number[] {
  const found: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) found.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // the process is gone
  }
  return found;
}

// ---------------------------------------------------------------- Chromium and Firefox

/**
 * Chromium through puppeteer-core over CDP, not Playwright: Playwright opens every page in a window
 * of its own and keeps it visible, where puppeteer's pages are tabs of one window, so a tab in front
 * hides the page as a user's tab switch does.
 */
async function launchChromiumEngine(): Promise<BrowserEngine> {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS.filter((arg) => arg !== '--headless'),
    timeout: START_TIMEOUT_MS,
    protocolTimeout: COMMAND_TIMEOUT_MS,
  });
  return puppeteerEngine('chromium', browser, (await browser.version()).replace(/^[^/]*\//, ''));
}

async function launchFirefoxEngine(): Promise<BrowserEngine> {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    timeout: START_TIMEOUT_MS,
    protocolTimeout: COMMAND_TIMEOUT_MS,
    extraPrefsFirefox: {
      // No sound card in CI containers: without a mock output the AudioContext never leaves
      // 'suspended'. The mock device still runs the graph, so the analyser reads real samples.
      'media.cubeb.force_mock_context': true,
      'media.autoplay.default': 0,
    },
  });
  return puppeteerEngine('firefox', browser, (await browser.version()).replace(/^firefox\//, ''));
}

function puppeteerEngine(name: EngineName, browser: PuppeteerBrowser, version: string): BrowserEngine {
  const pid = browser.process()?.pid;
  const pages = new Set<EnginePage>();
  return {
    name,
    version,
    pid,
    async open(url, options = {}) {
      const page: PuppeteerPage = await browser.newPage();
      page.setDefaultTimeout(COMMAND_TIMEOUT_MS);
      await page.setViewport(options.viewport ?? { width: 800, height: 600 });
      let cover: PuppeteerPage | undefined;
      const enginePage: EnginePage = {
        ...evaluating((script, ...args) => page.evaluate(callExpression(script, args))),
        async screenshot() {
          return new Uint8Array(await page.screenshot({ type: 'png' }));
        },
        async click(selector) {
          await page.click(selector);
        },
        async goto(next) {
          await page.goto(next);
        },
        // A new tab in front hides this one, as a user switching tabs does.
        async hide() {
          cover ??= await browser.newPage();
          await cover.bringToFront();
        },
        async show() {
          await page.bringToFront();
          await cover?.close().catch(() => undefined);
          cover = undefined;
        },
        async close() {
          pages.delete(enginePage);
          await cover?.close().catch(() => undefined);
          await page.close().catch(() => undefined);
        },
      };
      pages.add(enginePage);
      await page.goto(url);
      return enginePage;
    },
    async close() {
      for (const page of pages) await page.close();
      await withTimeout(`${name} to close`, browser.close(), 10_000).catch(() => undefined);
      await stopPid(pid);
    },
  };
}

/** An EnginePage over a Playwright page, for suites that need Playwright's device emulation. */
export function playwrightPage(page: PlaywrightPage, close: () => Promise<void>): EnginePage {
  return {
    ...evaluating((script, ...args) => page.evaluate(callExpression(script, args))),
    async screenshot() {
      return new Uint8Array(await page.screenshot());
    },
    async click(selector) {
      await page.click(selector, { timeout: COMMAND_TIMEOUT_MS });
    },
    async goto(url) {
      await page.goto(url);
    },
    hide: undefined,
    show: undefined,
    close,
  };
}

type Evaluate = (script: string | ((...args: never[]) => unknown), ...args: unknown[]) => Promise<unknown>;

/** `evaluate`, and `waitFor` polling it. */
function evaluating(evaluate: Evaluate): Pick<EnginePage, 'evaluate' | 'waitFor'> {
  return {
    evaluate: evaluate as EnginePage['evaluate'],
    waitFor: ((script: string | ((...args: never[]) => unknown), timeoutMs: number, ...args: unknown[]) =>
      pollPage(() => evaluate(script, ...args), describeScript(script), timeoutMs)) as EnginePage['waitFor'],
  };
}

function describeScript(script: string | ((...args: never[]) => unknown)): string {
  const text = typeof script === 'string' ? script : script.toString();
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

// ---------------------------------------------------------------- WebKit

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Starts Xvfb on a free display (it picks one and writes it to fd 3). */
async function startXvfb(): Promise<{ child: ChildProcess; display: string }> {
  const child = spawn(XVFB, ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  try {
    const display = await withTimeout(
      'Xvfb to pick a display',
      new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdio[3]?.on('data', (chunk: Buffer) => {
          text += chunk.toString('latin1');
          if (text.includes('\n')) resolve(`:${text.trim()}`);
        });
        child.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)));
      }),
      10_000,
    );
    return { child, display };
  } catch (error) {
    await stopPid(child.pid, child);
    throw error;
  }
}

class WebDriverError extends Error {
  override name = 'WebDriverError';
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

async function launchWebKitEngine(): Promise<BrowserEngine> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  const xvfb = await startXvfb();
  let driver: ChildProcess | undefined;
  let browserPids: number[] = [];
  const stopAll = async () => {
    const driverPid = driver?.pid;
    if (driverPid !== undefined) browserPids = [...new Set([...browserPids, ...childPids(driverPid)])];
    await stopPid(driverPid, driver);
    for (const pid of browserPids) await stopPid(pid);
    await stopPid(xvfb.child.pid, xvfb.child);
  };
  try {
    const port = await freePort();
    driver = spawn(WEBKIT_DRIVER_PATH, [`--port=${port}`, '--host=local'], {
      env: { ...process.env, DISPLAY: xvfb.display },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    const base = `http://127.0.0.1:${port}`;
    const command = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const response = await fetch(base + path, {
        method,
        headers: body === undefined ? undefined : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
      });
      const json = (await response.json()) as { value: T & { error?: string; message?: string } };
      if (!response.ok)
        throw new WebDriverError(
          json.value.error ?? 'unknown error',
          `${method} ${path}: ${json.value.message}`,
        );
      return json.value;
    };
    for (;;) {
      try {
        await fetch(`${base}/status`, { signal: AbortSignal.timeout(1000) });
        break;
      } catch {
        if (Date.now() > deadline) throw new Error('WebKitWebDriver did not listen in time');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const session = await withTimeout(
      'MiniBrowser to start',
      command<{ sessionId: string; capabilities: { browserVersion: string } }>('POST', '/session', {
        capabilities: {
          alwaysMatch: {
            browserName: 'MiniBrowser',
            'webkitgtk:browserOptions': { binary: MINIBROWSER_PATH, args: ['--automation'] },
            timeouts: { script: COMMAND_TIMEOUT_MS, pageLoad: COMMAND_TIMEOUT_MS },
          },
        },
      }),
      Math.max(1000, deadline - Date.now()),
    );
    if (driver.pid !== undefined) browserPids = childPids(driver.pid);
    const prefix = `/session/${session.sessionId}`;
    let firstWindowUsed = false;
    const pages = new Set<EnginePage>();
    const engine: BrowserEngine = {
      name: 'webkit',
      version: session.capabilities.browserVersion,
      // MiniBrowser, the driver's child; its web and network processes are MiniBrowser's.
      pid: browserPids[0],
      async open(url, options = {}) {
        // One window at a time is all the suite needs; later pages reuse it.
        if (firstWindowUsed && pages.size > 0) throw new Error('the WebKit engine holds one page at a time');
        firstWindowUsed = true;
        const viewport = options.viewport ?? { width: 800, height: 600 };
        await command('POST', `${prefix}/window/rect`, viewport).catch(() => undefined);
        const evaluate: Evaluate = async (script, ...args) => {
          const source =
            typeof script === 'string'
              ? `return (${script});`
              : `return (${script.toString()}).apply(null, arguments[0]);`;
          // execute/async awaits a promise result, where execute/sync would not in every driver.
          const wrapped = `const done = arguments[arguments.length - 1];
            Promise.resolve().then(() => (function () { ${source} }).call(null, arguments[0]))
              .then((value) => done({ value }), (error) => done({ error: String(error && error.stack || error) }));`;
          const result = await command<{ value?: unknown; error?: string }>(
            'POST',
            `${prefix}/execute/async`,
            {
              script: wrapped,
              args: [args],
            },
          );
          if (result.error !== undefined) throw new Error(`in the page: ${result.error}`);
          return result.value;
        };
        const enginePage: EnginePage = {
          ...evaluating(evaluate),
          async screenshot() {
            const base64 = await command<string>('GET', `${prefix}/screenshot`);
            return new Uint8Array(Buffer.from(base64, 'base64'));
          },
          async click(selector) {
            const element = await command<Record<string, string>>('POST', `${prefix}/element`, {
              using: 'css selector',
              value: selector,
            });
            await command('POST', `${prefix}/element/${Object.values(element)[0]}/click`, {});
          },
          async goto(next) {
            await command('POST', `${prefix}/url`, { url: next });
          },
          // MiniBrowser under Xvfb hides a minimised window (visibilityState 'hidden').
          async hide() {
            await command('POST', `${prefix}/window/minimize`, {});
          },
          async show() {
            await command('POST', `${prefix}/window/rect`, viewport);
          },
          async close() {
            pages.delete(enginePage);
            await command('POST', `${prefix}/url`, { url: 'about:blank' }).catch(() => undefined);
          },
        };
        pages.add(enginePage);
        await enginePage.goto(url);
        return enginePage;
      },
      async close() {
        await withTimeout('the WebKit session to end', command('DELETE', prefix), 10_000).catch(
          () => undefined,
        );
        await stopAll();
      },
    };
    return engine;
  } catch (error) {
    await stopAll();
    throw error;
  }
}
