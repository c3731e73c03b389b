// The web app's first-load benchmark: prints numbers, asserts nothing.
//   cargo xtask bench webapp
// Against the real `gongce serve` with the Taiwan demo list, in headless
// Chromium at a phone's viewport, each run in a fresh context (empty cache):
// - bytes transferred on first load (everything but map tiles, which are
//   unreachable here), as Chromium counts them on the wire;
// - time from navigation to the nearest list being visible, with the CPU
//   unthrottled (the baseline) and throttled 4×; median of 7 runs each.

import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const root = resolve(new URL("../..", import.meta.url).pathname);
const bin = resolve(root, process.env.GONGCE_BIN ?? "target/release/gongce");
const dir = mkdtempSync(join(tmpdir(), "gongce-bench-"));
const db = `sqlite:${join(dir, "demo.sqlite")}`;
execFileSync(bin, ["import", "--database-url", db, "--source", "taiwan-moenv", "--timezone", "Asia/Taipei",
  "--fix-swapped", "--skip-invalid", join(root, "data/taiwan_moenv_toilets_20251109_no_taipei.csv")], { stdio: "ignore" });
const server = spawn(bin, ["serve", "--database-url", db, "--bind", "127.0.0.1:0", "--webapp-dir", join(root, "webapp/dist"),
  "--tiles", "http://127.0.0.1:9/{z}/{x}/{y}.png"], { stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, RUST_LOG: "warn", GONGCE_READ_LIMIT: "off" } });
const base = (await new Promise((ok) => createInterface({ input: server.stdout }).once("line", ok))).replace("gongce listening on ", "").trim();

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });

async function once(rate) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
    geolocation: { latitude: 24.1372, longitude: 120.6869 }, permissions: ["geolocation"], locale: "zh-CN",
    serviceWorkers: "block" });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate });
  let bytes = 0;
  const byUrl = new Map();
  cdp.on("Network.responseReceived", (e) => byUrl.set(e.requestId, e.response.url));
  cdp.on("Network.loadingFinished", (e) => {
    bytes += e.encodedDataLength;
    const url = byUrl.get(e.requestId) ?? "";
    byUrl.set(e.requestId, [url, e.encodedDataLength]);
  });
  const t0 = Date.now();
  await page.goto(base, { waitUntil: "commit" });
  await page.waitForSelector(".results li", { state: "visible", timeout: 30000 });
  const ms = Date.now() - t0;
  await page.waitForTimeout(300);
  const files = [...byUrl.values()].filter((v) => Array.isArray(v)).map(([u, n]) => [new URL(u).pathname + new URL(u).search, n]);
  await context.close();
  return { ms, bytes, files };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = Number(process.env.RUNS ?? 7);
const result = {};
for (const rate of [1, 4]) {
  const times = [];
  let last;
  for (let i = 0; i < runs; i++) { last = await once(rate); times.push(last.ms); }
  result[rate] = { median: median(times), times, last };
}
console.log("== gongce web app first load (Taiwan demo, 390×844, fresh context each run)");
console.log("transferred on first load, by file (bytes on the wire):");
for (const [path, n] of result[1].last.files.sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(8)}  ${path}`);
console.log(`  ${String(result[1].last.bytes).padStart(8)}  total (${(result[1].last.bytes / 1024).toFixed(1)} KiB; target ≤ 300 KB)`);
console.log(`nearest list visible, CPU 1× (baseline): median ${result[1].median} ms  runs ${result[1].times.join(", ")}`);
console.log(`nearest list visible, CPU 4× throttled:  median ${result[4].median} ms  runs ${result[4].times.join(", ")}  (target ≤ 1500 ms)`);
console.log(`ratio throttled / baseline: ${(result[4].median / result[1].median).toFixed(2)}`);
await browser.close();
server.kill("SIGTERM");
