// Screenshots of the app's main screens, for comparing two versions side
// by side: the Taiwan demo list on a 360 × 740 phone in Chinese, as a
// resident, a committee member and an admin. Asserts nothing.
//   GONGCE_BIN=target/debug/gongce WEBAPP_DIST=webapp/dist OUT=/tmp/after node webapp/tests/screens.mjs
// Only selectors every version of the app has are used, so an older
// checkout's server and build can be pointed at too.

import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const root = resolve(new URL("../..", import.meta.url).pathname);
const bin = resolve(process.env.GONGCE_BIN ?? join(root, "target/debug/gongce"));
const dist = resolve(process.env.WEBAPP_DIST ?? join(root, "webapp/dist"));
const out = resolve(process.env.OUT ?? join(root, "target/screens"));
mkdirSync(out, { recursive: true });
const PASSWORD = "correct horse battery staple";
const dir = mkdtempSync(join(tmpdir(), "gongce-screens-"));
const db = `sqlite:${join(dir, "demo.sqlite")}`;
const cli = (command, args, input) =>
  execFileSync(bin, [...command, "--database-url", db, ...args], { input, stdio: ["pipe", "ignore", "inherit"] });
cli(["import"], ["--source", "taiwan-moenv", "--timezone", "Asia/Taipei", "--fix-swapped", "--skip-invalid",
  join(root, "data/taiwan_moenv_toilets_20251109_no_taipei.csv")]);
cli(["org", "add"], ["--name", "台中車站居委会", "--kind", "居委会"]);
cli(["user", "add"], ["--username", "li", "--org", "台中車站居委会", "--role", "committee"], PASSWORD + "\n");
cli(["user", "add"], ["--username", "root", "--role", "admin"], PASSWORD + "\n");
const server = spawn(bin, ["serve", "--database-url", db, "--bind", "127.0.0.1:0", "--webapp-dir", dist,
  "--tiles", "http://127.0.0.1:9/{z}/{x}/{y}.png", "--tiles-attribution", "no tiles here"],
{ stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, RUST_LOG: "warn", GONGCE_READ_LIMIT: "off" } });
const base = (await new Promise((ok) => createInterface({ input: server.stdout }).once("line", ok))).replace("gongce listening on ", "").trim();

async function api(method, path, token, body) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return text ? JSON.parse(text) : null;
}
const TAICHUNG = { latitude: 24.1372, longitude: 120.6869 };
const root_ = (await api("POST", "/api/v1/session", null, { username: "root", password: PASSWORD, bearer: true })).token;
const orgs = await api("GET", "/api/v1/orgs", root_);
await api("POST", "/api/v1/toilets", root_, { name: "台中車站東側公廁", lat: TAICHUNG.latitude + 0.0003, lon: TAICHUNG.longitude + 0.0003, org_id: orgs[0].id });

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
const shot = (page, name) => page.screenshot({ path: join(out, `${name}.png`) });
const phone = () => browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2,
  geolocation: TAICHUNG, permissions: ["geolocation"], locale: "zh-CN" });
const settle = (page) => page.waitForLoadState("networkidle").catch(() => {});

async function signIn(page, username) {
  await page.click("header button.signin");
  await page.waitForSelector('input[name="username"]');
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', PASSWORD);
  await page.click('.signin-form button[type="submit"]');
  await page.waitForSelector("nav.tabs button:nth-child(2)");
}

try {
  // A resident: the list, one filter, a toilet's sheet.
  let context = await phone();
  let page = await context.newPage();
  await page.goto(base);
  await page.waitForSelector(".results li");
  await settle(page);
  await shot(page, "1-list");
  await page.locator(".chip", { hasText: "免费" }).first().click();
  await settle(page);
  await shot(page, "2-filter-free");
  await page.locator(".chip", { hasText: "免费" }).first().click();
  await page.waitForSelector(".results li");
  await page.click(".results li:first-child button");
  await page.waitForSelector(".sheet");
  await shot(page, "3-sheet");
  await context.close();

  // A committee member enters hours as committees write them.
  context = await phone();
  page = await context.newPage();
  await page.goto(base);
  await page.waitForSelector(".results li");
  await signIn(page, "li");
  await page.waitForSelector(".committee");
  await page.waitForSelector(".committee button.edit");
  await shot(page, "4-committee");
  await page.click(".committee button.edit");
  await page.fill('input[name="opening_hours"]', "每天 6:00-22:00");
  await page.click('.edit-form button[type="submit"]');
  await settle(page);
  await page.waitForTimeout(500);
  await page.evaluate(() => document.querySelector(".edit-form, .committee .note")?.scrollIntoView());
  await shot(page, "5-committee-edit-saved");
  await context.close();

  // An admin's dry run of a list with one bad row, skipping nothing.
  context = await phone();
  page = await context.newPage();
  await page.goto(base);
  await page.waitForSelector(".results li");
  await signIn(page, "root");
  await page.click("nav.tabs button:nth-child(3)");
  await page.fill('.admin input[name="source"]', "street-office");
  await page.setInputFiles('.admin input[name="file"]', { name: "list.csv", mimeType: "text/csv",
    buffer: Buffer.from("编号,名称,纬度,经度\ns1,台中公園公廁,24.1440,120.6840\ns2,坏行,95,120.68\n") });
  await page.click('.admin form button[type="submit"]');
  await page.waitForSelector(".report");
  await page.locator(".report").scrollIntoViewIfNeeded();
  await shot(page, "6-admin-dry-run");
  await context.close();
} finally {
  await browser.close();
  server.kill("SIGTERM");
}
console.log(`screens in ${out}`);
