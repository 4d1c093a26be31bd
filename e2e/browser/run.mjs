// Opens one page in headless Chromium and prints what the page reports.
//
//   node run.mjs URL [--timeout-ms N]
//
// The page sets window.__result (anything JSON can carry) when it is
// done; this prints it as JSON on stdout and exits 0. The page's console,
// uncaught errors and failed requests go to stderr, for the test log.
// Exit 1: the browser or the page failed; exit 2: no result in time.
//
// CHROMIUM_PATH names the browser (default /usr/bin/chromium, Debian's).
// playwright-core never downloads a browser of its own, which this closed
// network would refuse anyway.
import { chromium } from "playwright-core";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const args = process.argv.slice(2);
let url = "";
let timeoutMs = 30000;
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--timeout-ms") timeoutMs = Number(args[++i]);
  else if (!url) url = args[i];
  else usage(`unexpected argument ${args[i]}`);
}
if (!url) usage("missing URL");
if (!(timeoutMs > 0)) usage("--timeout-ms needs a positive number");

function usage(msg) {
  process.stderr.write(`run.mjs: ${msg}\nusage: node run.mjs URL [--timeout-ms N]\n`);
  process.exit(1);
}

// Without the networking flags Chromium keeps dialling Google's services,
// which this machine's closed network refuses, many at a time; a fresh
// profile per run keeps parallel tests from sharing caches (a cached CORS
// preflight would hide the one a test looks for) or a profile lock.
const flags = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Loopback only, whatever proxy the environment names.
  "--no-proxy-server",
];

// Whatever happens inside Playwright, the process ends: a hung browser
// must not hang the Go test that waits for us.
const hardStop = setTimeout(() => {
  process.stderr.write(`run.mjs: gave up after ${timeoutMs + 20000} ms\n`);
  process.exit(2);
}, timeoutMs + 20000);
hardStop.unref();

const profile = await mkdtemp(join(tmpdir(), "gatehouse-chromium-"));
let context;
let code = 1;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: flags,
    timeout: timeoutMs,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (m) => process.stderr.write(`console.${m.type()}: ${m.text()}\n`));
  page.on("pageerror", (e) => process.stderr.write(`pageerror: ${e.message}\n`));
  page.on("requestfailed", (r) =>
    process.stderr.write(`requestfailed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}\n`),
  );
  await page.goto(url, { timeout: timeoutMs });
  try {
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: timeoutMs, polling: 50 });
  } catch (e) {
    process.stderr.write(`run.mjs: the page set no window.__result within ${timeoutMs} ms: ${e.message}\n`);
    code = 2;
    throw e;
  }
  const result = await page.evaluate(() => JSON.stringify(window.__result));
  process.stdout.write(result + "\n");
  code = 0;
} catch (e) {
  if (code !== 2) process.stderr.write(`run.mjs: ${e.stack || e}\n`);
} finally {
  await context?.close().catch(() => {});
  await rm(profile, { recursive: true, force: true }).catch(() => {});
}
process.exit(code);
