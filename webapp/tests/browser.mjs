// End-to-end in real headless Chromium against the real `gongce serve`, at
// a phone's viewport. Run by `cargo xtask test` after the web app is built:
//   GONGCE_BIN=target/debug/gongce node webapp/tests/browser.mjs
// (BROWSER_WEBAPP=embedded with GONGCE_BIN=target/dist/gongce: the app built
// into the release binary, as `cargo xtask test` runs it on SQLite.)
// Prints one line per test and a closing "test result:" line like cargo's.
// Screenshots go to target/browser-artifacts/.

import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const root = resolve(new URL("../..", import.meta.url).pathname);
const bin = resolve(root, process.env.GONGCE_BIN ?? "target/debug/gongce");
const artifacts = join(root, "target/browser-artifacts");
mkdirSync(artifacts, { recursive: true });
const PASSWORD = "correct horse battery staple";
// The resident stands at People's Square; the fixture's toilets lie 50 m,
// 122 m, 300 m, 600 m and 1.8 km away.
const HERE = { latitude: 31.2304, longitude: 121.4737 };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

function run(args, input) {
  return execFileSync(bin, args, { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
}

// With BROWSER_POSTGRES (a URL to a PostgreSQL server, as its superuser),
// every server of the suite gets a fresh database there instead of a
// SQLite file: `cargo xtask test` runs the suite on both stores.
const POSTGRES = process.env.BROWSER_POSTGRES;
const SUITE = POSTGRES ? "browser-postgres" : "browser";
let databases = 0;

function newDatabase(dir) {
  if (!POSTGRES) return `sqlite:${join(dir, "city.sqlite")}`;
  const name = `gongce_browser_${process.pid}_${++databases}`;
  execFileSync("psql", [POSTGRES, "-q", "-v", "ON_ERROR_STOP=1", "-c", `CREATE DATABASE ${name}`]);
  const url = new URL(POSTGRES);
  url.pathname = `/${name}`;
  return url.toString();
}

async function startServer(tiles = ["--tiles", "http://127.0.0.1:9/{z}/{x}/{y}.png", "--tiles-attribution", "no tiles in tests"], lists = []) {
  const dir = mkdtempSync(join(tmpdir(), "gongce-browser-"));
  const db = newDatabase(dir);
  run(["import", "--database-url", db, "--source", "fixture", join(root, "webapp/tests/fixture.csv")]);
  for (const list of lists) run(["import", "--database-url", db, "--source", "extra", list]);
  run(["org", "add", "--database-url", db, "--name", "人民广场居委会", "--kind", "居委会"]);
  run(["user", "add", "--database-url", db, "--username", "li", "--org", "人民广场居委会", "--role", "committee"], PASSWORD + "\n");
  run(["user", "add", "--database-url", db, "--username", "root", "--role", "admin"], PASSWORD + "\n");
  // BROWSER_WEBAPP=embedded: the app built into the binary (cargo xtask dist).
  const webapp = process.env.BROWSER_WEBAPP === "embedded" ? [] : ["--webapp-dir", join(root, "webapp/dist")];
  const child = spawn(bin, ["serve", "--database-url", db, "--bind", "127.0.0.1:0", ...webapp, ...tiles],
    { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, RUST_LOG: "warn" } });
  const line = await new Promise((ok, fail) => {
    createInterface({ input: child.stdout }).once("line", ok);
    child.once("exit", (code) => fail(new Error(`gongce serve exited ${code}`)));
  });
  const base = line.replace("gongce listening on ", "").trim();
  return { base, stop: () => child.kill("SIGTERM") };
}

// The published GCJ-02 formula, written again here so the app's Amap link
// is checked against an independent implementation.
function wgsToGcj(lat, lon) {
  const a = 6378245.0, ee = 0.00669342162296594323, PI = Math.PI;
  const x = lon - 105, y = lat - 35;
  let dLat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  dLat += (20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2 / 3;
  dLat += (20 * Math.sin(y * PI) + 40 * Math.sin(y / 3 * PI)) * 2 / 3;
  dLat += (160 * Math.sin(y / 12 * PI) + 320 * Math.sin(y * PI / 30)) * 2 / 3;
  let dLon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  dLon += (20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2 / 3;
  dLon += (20 * Math.sin(x * PI) + 40 * Math.sin(x / 3 * PI)) * 2 / 3;
  dLon += (150 * Math.sin(x / 12 * PI) + 300 * Math.sin(x / 30 * PI)) * 2 / 3;
  const radLat = lat / 180 * PI;
  let magic = Math.sin(radLat); magic = 1 - ee * magic * magic;
  const sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180) / ((a * (1 - ee)) / (magic * sqrtMagic) * PI);
  dLon = (dLon * 180) / (a / sqrtMagic * Math.cos(radLat) * PI);
  return [lat + dLat, lon + dLon];
}

function assert(cond, message) { if (!cond) throw new Error(message); }
function assertEq(a, b, message) {
  assert(JSON.stringify(a) === JSON.stringify(b), `${message}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`);
}

const names = (page) => page.$$eval(".results .name", (els) => els.map((e) => e.textContent));

async function resident(browser, base, extra = {}) {
  const context = await browser.newContext({ ...PHONE, geolocation: HERE, permissions: ["geolocation"], locale: "zh-CN", ...extra });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  if (process.env.BROWSER_CONSOLE) page.on("console", (m) => console.error("console:", m.text()));
  await page.goto(base);
  return { context, page };
}

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test("the nearest toilets appear in order, nearest first", async ({ browser, base }) => {
  const { context, page } = await resident(browser, base);
  await page.waitForSelector(".results li");
  assertEq((await names(page)).slice(0, 5),
    ["人民广场公厕", "南京东路公厕", "福州路无障碍公厕", "延安东路母婴公厕", "外滩公厕"], "order");
  const first = await page.textContent(".results li:first-child .distance");
  assert(/^\d+米$/.test(first) && Math.abs(parseInt(first) - 50) <= 2, `distance ${first}`);
  // No English left in the zh mode, Leaflet's own words included.
  assertEq(await page.getAttribute(".leaflet-control-zoom-in", "title"), "放大", "zoom in");
  assertEq(await page.getAttribute(".leaflet-control-zoom-out", "title"), "缩小", "zoom out");
  assertEq(await page.getAttribute(".map", "aria-label"), "地图", "the map's name");
  await page.click(".results li:first-child button");
  assertEq(await page.textContent('.nav-links a[data-app="geo"]'), "其他地图应用", "no geo: jargon");
  await page.keyboard.press("Escape");
  await page.screenshot({ path: join(artifacts, "residents-zh.png") });
  await context.close();
});

test("a filter changes the list and is remembered", async ({ browser, base }) => {
  const { context, page } = await resident(browser, base);
  await page.waitForSelector(".results li");
  await page.click('[data-filter="wheelchair"]');
  await page.waitForFunction(() => document.querySelectorAll(".results li").length === 2);
  assertEq(await names(page), ["福州路无障碍公厕", "外滩公厕"], "wheelchair only");
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll(".results li").length === 2);
  assertEq(await page.getAttribute('[data-filter="wheelchair"]', "aria-pressed"), "true", "remembered");
  await page.click('[data-filter="baby_change"]');
  await page.waitForFunction(() => document.querySelectorAll(".results li").length === 1);
  assertEq(await names(page), ["外滩公厕"], "wheelchair and baby change");
  // The last chip, off the edge of the scrolling row; on the next visit it leads the row.
  await page.click('[data-filter="hide_reported_closed"]');
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll(".results li").length === 1);
  const pressed = await page.$$eval('.chips [aria-pressed="true"]', (cs) => cs.map((c) => [c.dataset.filter, c.getBoundingClientRect().right <= innerWidth]));
  assertEq(pressed, [["wheelchair", true], ["baby_change", true], ["hide_reported_closed", true]], "remembered filters are in view on opening");
  await page.click('[data-filter="hide_reported_closed"]');
  await page.screenshot({ path: join(artifacts, "filtered.png") });
  await context.close();
});

test("the detail sheet shows unknown as unknown and hands off to Amap in GCJ-02", async ({ browser, base }) => {
  const { context, page } = await resident(browser, base);
  await page.waitForSelector(".results li");
  await page.click(".results li:nth-child(2) button");
  await page.waitForSelector(".sheet");
  const rows = await page.$$eval(".sheet .row", (rs) => rs.map((r) => [r.querySelector("dt").textContent, r.querySelector("dd").textContent]));
  const row = Object.fromEntries(rows);
  assertEq(row["无障碍设施"], "未知", "wheelchair unknown");
  assertEq(row["免费"], "是", "free: a yes-or-no question");
  assertEq(await page.textContent(".results li:nth-child(2) .walk"), "步行约2分钟", "122 m on foot");
  assertEq(row["开放时间"], "未知", "hours unknown");
  const amap = await page.getAttribute('.nav-links a[data-app^="高德"]', "href");
  const m = amap.match(/to=([\d.]+),([\d.]+),/);
  assert(m, `amap link ${amap}`);
  const [gLat, gLon] = wgsToGcj(31.2315, 121.4737);
  assert(Math.abs(parseFloat(m[1]) - gLon) < 2e-6 && Math.abs(parseFloat(m[2]) - gLat) < 2e-6,
    `amap ${m[2]},${m[1]} vs GCJ-02 ${gLat},${gLon}`);
  // ~500 m from the WGS-84 position: really converted.
  assert(Math.abs(parseFloat(m[1]) - 121.4737) > 0.003, "amap coordinates not shifted");
  const google = await page.getAttribute('.nav-links a[data-app="Google Maps"]', "href");
  assert(google.includes("destination=31.231500,121.473700"), google);
  await page.screenshot({ path: join(artifacts, "detail.png") });
  await context.close();
});

test("a resident finds a toilet by name in Traditional characters, opens it and clears the search", async ({ browser, base }) => {
  const { context, page } = await resident(browser, base);
  await page.waitForSelector(".results li");
  await page.click(".open-search");
  await page.fill('.place-search input[name="q"]', "外灘");
  await page.press('.place-search input[name="q"]', "Enter");
  await page.waitForSelector(".search-results li");
  assertEq(await page.$$eval(".search-results .name", (ns) => ns.map((n) => n.textContent)), ["外滩公厕"], "Traditional finds Simplified");
  assert((await page.textContent(".search-results .distance")).endsWith("公里"), "measured from the resident");
  await page.screenshot({ path: join(artifacts, "search.png") });
  await page.click(".search-results li button");
  await page.waitForSelector(".sheet");
  assertEq(await page.textContent(".sheet h2"), "外滩公厕", "the chosen toilet opens");
  await page.keyboard.press("Escape");
  await page.fill('.place-search input[name="q"]', "不存在的地方");
  await page.press('.place-search input[name="q"]', "Enter");
  await page.waitForFunction(() => document.querySelector(".search-results p")?.textContent === "没有找到匹配的公厕");
  await page.click(".clear-search");
  assertEq(await page.$(".search-results"), null, "cleared");
  assert((await page.$$(".results li")).length > 0, "the nearest list is back");
  await context.close();
});
test("keyboard users skip to the list, open a sheet, close it with Esc; a toilet has its own address; Back closes", async ({ browser, base }) => {
  const { context, page } = await resident(browser, base);
  await page.waitForSelector(".results li");
  const focused = () => page.evaluate(() => {
    const e = document.activeElement;
    return e.closest(".sheet") ? "sheet" : (e.className || e.tagName);
  });
  // The first Tab reaches the skip link; Enter goes to the list.
  await page.keyboard.press("Tab");
  assertEq(await focused(), "skip-link", "first Tab");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Tab");
  assertEq(await focused(), "result", "one Tab after the skip link");
  const id = await page.evaluate(() => document.activeElement.dataset.id);
  await page.keyboard.press("Enter");
  await page.waitForSelector(".sheet");
  assertEq(await focused(), "sheet", "focus in the sheet");
  assertEq(new URL(page.url()).hash, `#t=${id}`, "the sheet's address");
  await page.keyboard.press("Escape");
  await page.waitForSelector(".sheet", { state: "detached" });
  assertEq(await page.evaluate(() => document.activeElement.dataset.id), id, "focus back on the entry");
  assertEq(new URL(page.url()).hash, "", "address back");
  // Back closes an open sheet and stays in the app.
  await page.click(".results li:nth-child(3) button");
  await page.waitForSelector(".sheet");
  await page.goBack();
  await page.waitForSelector(".sheet", { state: "detached" });
  assertEq(new URL(page.url()).origin, new URL(base).origin, "still in the app");
  // A shared address opens its sheet, also for a toilet the list does not
  // hold (filtered out here), measured from the resident, and survives a reload.
  await page.click('[data-filter="wheelchair"]');
  await page.waitForFunction(() => document.querySelectorAll(".results li").length === 2);
  const near = await api(base, "GET", `/api/v1/toilets/nearby?lat=${HERE.latitude}&lon=${HERE.longitude}&limit=1`);
  const shared = near.results[0].toilet;
  assert(shared.wheelchair !== true, "not in the filtered list");
  for (const how of ["opened", "reloaded"]) {
    if (how === "opened") await page.goto(`${base}#t=${shared.id}`); else await page.reload();
    await page.waitForSelector(".sheet");
    assertEq(await page.textContent(".sheet h2"), shared.name, `shared toilet, ${how}`);
    const line = await page.textContent(".sheet header + p");
    assert(/^5\d米 · /.test(line), `distance from the resident, ${how}: ${line}`);
  }
  await page.click(".sheet button.close");
  await page.waitForSelector(".sheet", { state: "detached" });
  assertEq(new URL(page.url()).hash, "", "closed: no toilet in the address");
  await context.close();
});

test("the page renders in English and switches to Chinese", async ({ browser, base }) => {
  const { context, page } = await resident(browser, base, { locale: "en-GB" });
  await page.waitForSelector(".results li");
  assertEq(await page.textContent("main h2"), "Nearest to you", "English heading");
  assertEq(await page.getAttribute("html", "lang"), "en", "lang attribute");
  assert((await page.textContent(".results li:first-child .distance")).endsWith(" m"), "metres in English");
  await page.screenshot({ path: join(artifacts, "residents-en.png") });
  await page.click('header button.lang[lang="zh-CN"]');
  assertEq(await page.textContent("main h2"), "离您最近的公厕", "switched to Chinese");
  assertEq(await page.getAttribute("html", "lang"), "zh-CN", "lang attribute");
  await context.close();
});

test("a zh-TW browser gets the Traditional app in Taiwan's words; store data is shown as stored; the choice is remembered", async ({ browser, base }) => {
  const { context, page } = await resident(browser, base, { locale: "zh-TW" });
  await page.waitForSelector(".results li");
  assertEq(await page.textContent("main h2"), "離您最近的公廁", "Traditional heading");
  assertEq(await page.getAttribute("html", "lang"), "zh-TW", "lang attribute");
  const pressed = await page.$$eval("header .langs button", (bs) => bs.map((b) => [b.textContent, b.getAttribute("aria-pressed")]));
  assertEq(pressed, [["简", "false"], ["繁", "true"], ["EN", "false"]], "the switch offers 简 / 繁 / EN");
  // Taiwan's wording, not the mainland's in other characters.
  assertEq(await page.textContent('[data-filter="baby_change"]'), "尿布台", "baby change chip");
  assertEq(await page.textContent('[data-filter="wheelchair"]'), "無障礙", "wheelchair chip");
  const first = await page.textContent(".results li:first-child .distance");
  assert(/^\d+公尺$/.test(first), `metres as Taiwan says them: ${first}`);
  assertEq(await page.textContent(".results li:first-child .walk"), "步行約1分鐘", "walk");
  // The store's Simplified names stay as stored.
  assertEq((await names(page))[0], "人民广场公厕", "data shown as stored");
  await page.click(".results li:first-child button");
  await page.waitForSelector(".sheet");
  const terms = await page.$$eval(".sheet .row dt", (ds) => ds.map((d) => d.textContent));
  assert(terms.includes("無障礙設施") && terms.includes("開放時間"), `sheet terms ${terms}`);
  assertEq(await page.textContent(".sheet h3"), "導航前往", "directions");
  await page.keyboard.press("Escape");
  await page.screenshot({ path: join(artifacts, "residents-zh-tw.png") });
  // Chosen by hand, the language outlives a reload.
  await page.click('header button.lang[lang="en"]');
  assertEq(await page.textContent("main h2"), "Nearest to you", "switched to English");
  await page.reload();
  await page.waitForSelector(".results li");
  assertEq(await page.textContent("main h2"), "Nearest to you", "English remembered");
  await page.click('header button.lang[lang="zh-TW"]');
  assertEq(await page.textContent("main h2"), "離您最近的公廁", "back to Traditional");
  await context.close();
});

test("without location the app says so and measures from the city centre; retry finds the resident", async ({ browser, base }) => {
  const context = await browser.newContext({ ...PHONE, locale: "zh-CN" });
  const page = await context.newPage();
  await page.goto(base);
  await page.waitForSelector(".results li");
  const note = await page.textContent(".find .note");
  assert(note.includes("城市中心"), note);
  assertEq(await page.textContent("#nearest"), "离此处最近的公厕", "the list is not from the resident");
  // Allowed now: the same button asks again.
  await context.grantPermissions(["geolocation"]);
  await context.setGeolocation(HERE);
  assertEq(await page.textContent(".my-location"), "重新定位", "a retry is offered");
  await page.click(".my-location");
  // The heading says "nearest to you" from the moment it asks; the note is
  // "finding where you are" until the position comes, then nothing.
  await page.waitForFunction(() => document.querySelector("#nearest").textContent === "离您最近的公厕"
    && document.querySelector(".find .note").textContent === "");
  await context.close();
});

test("search this area says the distances are from the map centre; my location goes back", async ({ browser, base }) => {
  const { context, page } = await resident(browser, base);
  await page.waitForSelector(".results li");
  await page.click(".search-here");
  await page.waitForFunction(() => document.querySelector(".find .note").textContent.includes("地图中心"));
  assertEq(await page.textContent("#nearest"), "离此处最近的公厕", "heading");
  await page.click(".my-location");
  await page.waitForFunction(() => document.querySelector("#nearest").textContent === "离您最近的公厕");
  await context.close();
});

test("a filter over unknown data says how many are unknown and offers them; an empty list says how to widen it", async ({ browser, base }) => {
  for (const [locale, unknownText, include, clear] of [["zh-CN", "个公厕未记录此信息", "包括未知", "清除筛选"], ["en", "here have no record of this", "Include unknown", "Clear filters"]]) {
    const { context, page } = await resident(browser, base, { locale });
    await page.waitForSelector(".results li");
    // 南京东路 (122 m, in view) has no wheelchair answer; 人民广场 says no.
    await page.click('[data-filter="wheelchair"]');
    await page.waitForFunction(() => document.querySelectorAll(".results li").length === 2);
    await page.waitForSelector(".hint.unknown");
    const hint = await page.textContent(".hint.unknown");
    assert(new RegExp(`^\\d+ ${unknownText}`).test(hint), `hint: ${hint}`);
    // Known yes or known no for both asked facts: none. The list says why.
    await page.click('[data-filter="family_room"]');
    await page.waitForSelector(".empty");
    const empty = await page.textContent(".empty");
    assert(empty.includes(include) && empty.includes(clear), `empty: ${empty}`);
    await page.screenshot({ path: join(artifacts, `filter-unknown-${locale}.png`) });
    await page.click(`.empty button:text("${include}")`);
    await page.waitForFunction(() => document.querySelectorAll(".results li").length === 2);
    assertEq(await names(page), ["南京东路公厕", "外滩公厕"], "unknown admitted, a known no left out");
    assertEq(await page.getAttribute('[data-filter="include_unknown"]', "aria-pressed"), "true", "the chip shows it");
    // Remembered, and visible on the next visit; clearing empties the chips.
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll(".results li").length === 2);
    await page.click('[data-filter="include_unknown"]');
    await page.waitForSelector(".empty");
    await page.click(`.empty button:text("${clear}")`);
    await page.waitForFunction(() => document.querySelectorAll(".results li").length === 5);
    assertEq(await page.$$eval('.chips [aria-pressed="true"]', (c) => c.length), 0, "no filter left on");
    await context.close();
  }
});

test("panning loads the toilets in view from the viewport endpoint once the map stands still, its glide included (the page clock is the test's)", async ({ browser }) => {
  // Thirty toilets in a grid 3 km east: the list holds the fifteen nearest.
  const dir = mkdtempSync(join(tmpdir(), "gongce-grid-"));
  const rows = ["id,name,lat,lon"];
  for (let i = 0; i < 30; i++) rows.push(`g${i},东区${i}号公厕,${31.2290 + Math.floor(i / 6) * 0.001},${121.5037 + (i % 6) * 0.001}`);
  const grid = join(dir, "grid.csv");
  writeFileSync(grid, rows.join("\n") + "\n");
  const server = await startServer(undefined, [grid]);
  try {
    const { context, page } = await resident(browser, server.base);
    const asked = [];
    page.on("request", (r) => { if (r.url().includes("/api/v1/toilets?bbox=")) asked.push(r.url()); });
    await page.waitForSelector(".results li");
    await page.waitForFunction(() => document.querySelectorAll(".leaflet-marker-icon").length > 0);
    const grid = () => page.$$eval(".leaflet-marker-icon", (ms) => ms.filter((m) => (m.title || "").startsWith("东区")).length);
    assertEq(await grid(), 0, "the grid is out of view");
    // From here the page's clock moves only when the test moves it: each
    // drag takes 144 ms of it (nine frames), less than the 250 ms the map
    // must stand still before the toilets in view are asked for.
    await page.clock.install();
    await page.clock.pauseAt(Date.now() + 1000);
    const box = await page.locator(".map").boundingBox();
    // A drag starts on bare map: one that starts on a marker moves nothing.
    const bare = () => page.evaluate(({ x, y, width, height }) => {
      for (let j = 1; j < 8; j++) {
        for (let i = 4; i < 8; i++) {
          const [px, py] = [x + (width * i) / 8, y + (height * j) / 8];
          const at = document.elementFromPoint(px, py);
          if (at && !at.closest(".leaflet-marker-icon, .leaflet-control")) return [px, py];
        }
      }
      return [x + width / 2, y + height / 2];
    }, box);
    const drag = async (dx) => {
      const [cx, cy] = await bare();
      await page.mouse.move(cx, cy);
      await page.mouse.down();
      for (let i = 1; i <= 8; i++) {
        await page.mouse.move(cx + (dx * i) / 8, cy);
        await page.clock.runFor(16);
      }
      await page.mouse.up();
      await page.clock.runFor(16);
    };
    // Whatever the first view asked for, answered.
    await page.clock.runFor(1000);
    await page.waitForLoadState("networkidle");
    const before = asked.length;
    for (let i = 0; i < 8; i++) await drag(-box.width / 2);
    assertEq(asked.length - before, 0, "nothing is asked while the map keeps moving");
    // Standing still (the drag's glide included): one request.
    await page.clock.runFor(5000);
    for (let frame = 0; asked.length === before; frame++) {
      assert(frame < 600, "nothing asked once the map stood still");
      await page.clock.runFor(50);
    }
    const url = new URL(asked[asked.length - 1]);
    const [w, s, e, n] = url.searchParams.get("bbox").split(",").map(Number);
    assert(w > HERE.longitude && w < e && s < n, `bbox ${url.searchParams.get("bbox")}`);
    // Every grid toilet in the view asked for is drawn, the list's and the
    // rest (the map keeps only what is in view in the page, so how far the
    // glide went decides which; the answer comes over the network, and the
    // page's frames run as the test moves its clock).
    const inView = [];
    for (let i = 0; i < 30; i++) {
      const [lat, lon] = [31.2290 + Math.floor(i / 6) * 0.001, 121.5037 + (i % 6) * 0.001];
      if (lon >= w && lon <= e && lat >= s && lat <= n) inView.push(i);
    }
    // The list holds the three western columns: some in view are not in it.
    assert(inView.some((i) => i % 6 >= 3), `no toilet beyond the list's in view: bbox ${url.searchParams.get("bbox")}`);
    const drawn = () => page.$$eval(".leaflet-marker-icon", (ms) => ms.map((m) => m.title || ""));
    const missing = async () => { const titles = await drawn(); return inView.filter((i) => !titles.includes(`东区${i}号公厕`)); };
    for (let frame = 0; (await missing()).length > 0; frame++) {
      assert(frame < 600, `grid toilets ${(await missing()).join(", ")} in view not drawn; asked since the drags: ${asked.slice(before).join(" ")}`);
      await page.clock.runFor(50);
    }
    assertEq(asked.length - before, 1, `one request once the map stood still: ${asked.slice(before).join(" ")}`);
    await page.screenshot({ path: join(artifacts, "panned.png") });
    // The list still measures from the resident.
    assertEq(await page.textContent("#nearest"), "离您最近的公厕", "list heading");
    await context.close();
  } finally {
    server.stop();
  }
});

test("a committee member adds a toilet by tapping and confirming; a resident finds it", async ({ browser, base }) => {
  const context = await browser.newContext({ ...PHONE, geolocation: HERE, permissions: ["geolocation"], locale: "zh-CN" });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await page.goto(base);
  await page.waitForSelector(".results li");
  await page.click("header button.signin");
  await page.fill('input[name="username"]', "li");
  await page.fill('input[name="password"]', PASSWORD);
  const inView = page.waitForResponse((r) => r.url().includes("/api/v1/toilets?bbox="));
  await page.click('.signin-form button[type="submit"]');
  await page.waitForSelector(".committee .add");
  await page.click(".committee .add");
  await page.waitForSelector(".pin-hint");
  // The toilets already there are on the map (clustered where close), so none is registered twice.
  assert((await (await inView).json()).features.some((f) => f.properties.name === "人民广场公厕"), "toilets in view loaded");
  await page.waitForFunction(() => document.querySelectorAll(".leaflet-marker-icon[title], .marker-cluster").length > 0);
  // The pin may start where the member stands; a tap moves it.
  await page.click(".pin-here");
  await page.waitForSelector(".confirm-pin");
  assertEq(await page.textContent(".committee .note"), "31.23040, 121.47370", "pin at my location");
  // Nothing is saved until the pin is confirmed: tap, then confirm.
  const box = await page.locator(".map").boundingBox();
  await page.touchscreen.tap(box.x + box.width * 0.7, box.y + box.height * 0.3);
  await page.waitForSelector(".confirm-pin");
  const at = (await page.textContent(".committee .note")).split(",").map((s) => parseFloat(s));
  assert(at.length === 2 && at.every(Number.isFinite), `pin ${at}`);
  await page.screenshot({ path: join(artifacts, "committee-pin.png") });
  await page.click(".confirm-pin");
  // The same 未知/有/无 control as editing.
  assertEq(await page.$$eval('.toilet-form select[name="wheelchair"] option', (os) => os.map((o) => o.textContent)), ["未知", "有", "无"], "tri-state");
  // Refused: said next to the field, in Chinese, the text kept and focused.
  const long = "名".repeat(201);
  await page.$eval('.toilet-form input[name="name"]', (i, v) => { i.removeAttribute("maxlength"); i.value = v; i.dispatchEvent(new Event("input", { bubbles: true })); }, long);
  await page.click('.toilet-form button[type="submit"]');
  await page.waitForSelector(".toilet-form .field-error");
  assertEq(await page.textContent(".toilet-form .field-error"), "名称太长：最多200个字", "localised, next to the name");
  assertEq(await page.inputValue('.toilet-form input[name="name"]'), long, "typed text kept");
  assertEq(await page.evaluate(() => document.activeElement.name), "name", "focus on the field at fault");
  assertEq(await page.getAttribute('.toilet-form input[name="name"]', "maxlength"), null, "(limit removed by the test)");
  await page.fill('.toilet-form input[name="name"]', "新建的居委会公厕");
  await page.fill('.toilet-form input[name="address"]', "人民大道200号");
  await page.fill('.toilet-form input[name="opening_hours"]', "每天 6:00-22:00");
  await page.selectOption('.toilet-form select[name="wheelchair"]', "yes");
  await page.click('.toilet-form button[type="submit"]');
  await page.waitForFunction(() => [...document.querySelectorAll(".ours .name")].some((e) => e.textContent === "新建的居委会公厕"));
  await page.screenshot({ path: join(artifacts, "committee-saved.png") });
  await context.close();

  // A resident standing at the pin finds it first.
  const { context: c2, page: p2 } = await resident(browser, base, { geolocation: { latitude: at[0], longitude: at[1] } });
  await p2.waitForSelector(".results li");
  assertEq((await names(p2))[0], "新建的居委会公厕", "the new toilet is nearest");
  await p2.screenshot({ path: join(artifacts, "resident-finds-new.png") });
  await c2.close();
});

// 登录 loads the staff build (the page reloads), which opens with the form.
async function signIn(page, username, password = PASSWORD, reloads = true) {
  if (reloads) await Promise.all([page.waitForEvent("load"), page.click("header button.signin")]);
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', password);
  await page.click('.signin-form button[type="submit"]');
  await page.waitForSelector("nav.tabs button:nth-child(2)");
}

test("a committee edits hours and facilities, closes a toilet for a while, and residents see it", async ({ browser, base }) => {
  const context = await browser.newContext({ ...PHONE, geolocation: HERE, permissions: ["geolocation"], locale: "en-GB" });
  const page = await context.newPage();
  await page.goto(base);
  await page.waitForSelector(".results li");
  await signIn(page, "li");
  // The toilet added by the previous test is this organisation's.
  const item = page.locator(".ours li", { hasText: "新建的居委会公厕" });
  await item.locator("button.edit").click();
  // Saved from Chinese hours as committees write them, shown as OSM syntax.
  assertEq(await item.locator('input[name="opening_hours"]').inputValue(), "Mo-Su 06:00-22:00", "每天 6:00-22:00 understood");
  assertEq(await item.locator('input[name="address"]').inputValue(), "人民大道200号", "address kept");
  // Refused hours are said next to the field in the page's language; the edit stays.
  await item.locator('input[name="opening_hours"]').fill("看情况");
  await item.locator('select[name="baby_change"]').selectOption("yes");
  await item.locator('.edit-form button[type="submit"]').click();
  await item.locator(".field-error").waitFor();
  assert((await item.locator(".field-error").textContent()).startsWith('Could not read the opening hours "看情况"'), await item.locator(".field-error").textContent());
  assertEq(await item.locator('input[name="opening_hours"]').getAttribute("aria-invalid"), "true", "marked invalid");
  assertEq(await item.locator('select[name="baby_change"]').inputValue(), "yes", "the rest of the edit kept");
  await page.screenshot({ path: join(artifacts, "committee-field-error.png") });
  // The hours editor: weekdays and weekend, the weekend closed, Friday later: shown in words, then written as OSM.
  await item.locator(".hours-editor summary").click();
  await item.locator('.hours-editor button:has-text("Weekdays and weekend")').click();
  assertEq(await item.locator(".hours-row legend").allTextContents(), ["Mon–Fri", "Sat, Sun"], "two rows");
  await item.locator(".hours-row").nth(1).locator("select").selectOption("closed");
  await item.locator(".hours-row").nth(0).locator('input[type="time"]').nth(0).fill("07:00");
  await item.locator(".hours-row").nth(0).locator('input[type="time"]').nth(1).fill("21:00");
  assertEq(await item.locator(".hours-preview").textContent(), "Mon–Fri 07:00–21:00; Sat, Sun closed", "in words before writing");
  await item.locator('.hours-editor button:has-text("Day by day")').click();
  assertEq(await item.locator(".hours-row").count(), 7, "a row per day");
  await item.locator(".hours-row").nth(4).locator('input[type="time"]').nth(1).fill("23:00");
  await item.locator(".hours-row").nth(6).locator("select").selectOption("all_day");
  await item.locator(".apply-hours").click();
  assertEq(await item.locator('input[name="opening_hours"]').inputValue(), "Mo-Th 07:00-21:00; Fr 07:00-23:00; Sa off; Su 00:00-24:00", "written as OSM");
  await page.screenshot({ path: join(artifacts, "committee-hours-editor.png") });
  await item.locator('.edit-form button[type="submit"]').click();
  await page.waitForFunction(() => document.querySelector(".committee .note")?.textContent === "Saved");
  const ours = await page.evaluate(async () => {
    const session = await (await fetch("/api/v1/session")).json();
    return (await fetch(`/api/v1/orgs/${session.user.org_id}/toilets`)).json();
  });
  assertEq(ours.find((t) => t.name === "新建的居委会公厕").opening_hours, "Mo-Th 07:00-21:00; Fr 07:00-23:00; Sa off; Su 00:00-24:00", "stored as written");
  await item.locator("button.edit").click();
  await item.locator('input[name="opening_hours"]').fill("Mo-Su 07:00-21:00");
  await item.locator('select[name="wheelchair"]').selectOption("");
  // The detailed facts, under "More facts": a number out of range is refused next to its field.
  await item.locator(".more-facts summary").click();
  await item.locator('select[name="seated"]').selectOption("yes");
  await item.locator('select[name="squat"]').selectOption("no");
  await item.locator('input[name="urinals"]').fill("1000");
  await item.locator('input[name="phone"]').fill("021-6321 0000 ext 8");
  await item.locator('input[name="name_en"]').fill("New committee toilet");
  await item.locator('.edit-form button[type="submit"]').click();
  await item.locator("#error-urinals").waitFor();
  assertEq(await item.locator("#error-urinals").textContent(), "Urinals is out of range: 1000", "said next to the field");
  assertEq(await item.locator('input[name="name_en"]').inputValue(), "New committee toilet", "the rest of the edit kept");
  await item.locator('input[name="urinals"]').fill("4");
  await item.locator('.edit-form button[type="submit"]').click();
  await page.waitForFunction(() => document.querySelector(".committee .note")?.textContent === "Saved");
  // Closing asks for a reason and an optional reopening day, then confirms.
  await item.locator("button.close-toilet").click();
  await item.locator('.closing-form button[type="submit"]').click();
  assertEq(await item.locator('.closing-form input[name="reason"]').evaluate((i) => i.validity.valueMissing), true, "a reason is needed");
  await item.locator('.closing-form input[name="reason"]').fill("Pipe repairs");
  await item.locator('.closing-form input[name="until"]').fill("2099-01-15");
  await item.locator('.closing-form button[type="submit"]').click();
  await page.waitForSelector(".ours li .badge.closed");
  await page.screenshot({ path: join(artifacts, "committee-closed.png") });
  await context.close();

  const { context: c2, page: p2 } = await resident(browser, base, { locale: "en-GB" });
  await p2.waitForSelector(".results li");
  // An English reader gets the English name.
  const row = p2.locator(".results li", { hasText: "New committee toilet" });
  await row.locator("button").click();
  await p2.waitForSelector(".sheet .closed-note");
  const closed = await p2.textContent(".sheet .closed-note");
  assert(closed.includes("Pipe repairs") && closed.includes("until") && closed.includes("2099"), `closure shown: ${closed}`);
  const rows = Object.fromEntries(await p2.$$eval(".sheet .row", (rs) => rs.map((r) => [r.querySelector("dt").textContent, r.querySelector("dd").textContent])));
  assertEq(rows["Opening hours"], "Every day 07:00–21:00", "hours edited, in words");
  assertEq(rows["Baby changing"], "Yes", "baby change set");
  assertEq(rows["Wheelchair accessible"], "Unknown", "wheelchair back to unknown");
  assertEq(await p2.textContent(".sheet h2"), "New committee toilet", "the name in English");
  assertEq(rows["Seated toilet"], "Yes", "seated");
  assertEq(rows["Squat toilet"], "No", "no squat toilet");
  assertEq(rows["Urinals"], "4", "urinals");
  assertEq(rows["Grab rails"], undefined, "an unknown detailed fact is left out");
  assertEq(await p2.getAttribute('.sheet .row[data-fact="phone"] a', "href"), "tel:02163210000", "the phone can be called");
  assert((await p2.textContent(".sheet .fresh")).includes("today"), "verified today");
  await p2.screenshot({ path: join(artifacts, "resident-sees-closure.png") });
  await c2.close();
});

test("an admin uploads a list, reads the dry-run table, and imports it", async ({ browser, base }) => {
  const context = await browser.newContext({ ...PHONE, geolocation: HERE, permissions: ["geolocation"], locale: "zh-CN" });
  const page = await context.newPage();
  await page.goto(base);
  await page.waitForSelector(".results li");
  await signIn(page, "root");
  await page.click("nav.tabs button:nth-child(3)");
  await page.fill('.admin input[name="source"]', "street-office");
  await page.setInputFiles('.admin input[name="file"]', {
    name: "list.csv", mimeType: "text/csv",
    buffer: Buffer.from("编号,名称,纬度,经度,无障碍\ns1,黄河路公厕,31.2330,121.4710,是\ns2,坏行,95,121.47,\n"),
  });
  assertEq(await page.inputValue('.admin select[name="crs"]'), "wgs84", "WGS-84 by default");
  // Without skipping, the dry run says the import would write nothing, and offers no button.
  await page.click('.admin form button[type="submit"]');
  await page.waitForSelector(".report .will.blocked");
  assert((await page.textContent(".report .will")).includes("不会写入任何数据"), await page.textContent(".report .will"));
  assertEq(await page.$$eval(".report button.primary", (b) => b.length), 0, "nothing to confirm");
  await page.screenshot({ path: join(artifacts, "admin-dry-run-blocked.png") });
  await page.check('.admin input[name="skip_invalid"]');
  await page.click('.admin form button[type="submit"]');
  await page.waitForSelector(".report .will:not(.blocked)");
  assertEq(await page.textContent(".report .will"), "确认后将：新增 1 · 更新 0 · 不变 0 · 移除 0 · 跳过有问题的行 1", "what confirming does, in words");
  const cells = await page.$$eval(".report table:first-of-type tbody tr td", (tds) => tds.map((t) => t.textContent));
  assertEq(cells, ["3", "s2", "纬度", "95", "纬度超出范围：95"], "the rejected row in the table, its reason in Chinese");
  // The accepted row, as it will be written.
  const preview = await page.$$eval(".report table.preview tbody tr td", (tds) => tds.map((t) => t.textContent));
  assertEq(preview, ["s1", "黄河路公厕", "", "31.23300, 121.47100", "♿", ""], "the preview");
  // What the list gave, field by field.
  assertEq(await page.textContent(".report .known"), "已知（座数）: 名称 1 · 无障碍设施 1", "the known values");
  await page.screenshot({ path: join(artifacts, "admin-dry-run.png") });
  await page.click(".report button.primary");
  await page.waitForFunction(() => document.querySelector(".admin .note")?.textContent.startsWith("已导入"));
  assertEq(await page.textContent(".admin .note"), "已导入：新增 1 · 更新 0 · 不变 0 · 移除 0", "the result in words");
  // The server that committed the import serves it at once (others follow the change log).
  await page.click("nav.tabs button:nth-child(1)");
  await page.waitForSelector('.results .name:text-is("黄河路公厕")');
  // Read as WGS-84, as chosen: 31.2330,121.4710 is ~390 m from the resident.
  const distance = await page.locator(".results li", { hasText: "黄河路公厕" }).locator(".distance").textContent();
  assert(Math.abs(parseInt(distance) - 390) < 20, `distance ${distance}`);
  await context.close();
});

test("on GCJ-02 tiles (Amap) markers are drawn shifted, and a tap reads back WGS-84", async ({ browser }) => {
  const amap = await startServer(["--tiles", "amap"]);
  try {
    const context = await browser.newContext({ ...PHONE, viewport: { width: 360, height: 740 }, geolocation: HERE, permissions: ["geolocation"], locale: "zh-CN" });
    const page = await context.newPage();
    // Amap's servers are out of reach here: note which tiles are asked for.
    const tiles = [];
    await page.route("**/appmaptile**", (route) => { tiles.push(new URL(route.request().url())); route.abort(); });
    await page.goto(amap.base);
    await page.waitForSelector(".results li");
    await page.waitForFunction(() => document.querySelectorAll(".leaflet-tile").length > 0);
    // Leaflet asks for the centre tile first: it must hold GCJ-02(HERE), not HERE.
    const tile = (lat, lon, z) => [Math.floor((lon + 180) / 360 * 2 ** z),
      Math.floor((1 - Math.log(Math.tan(lat * Math.PI / 180) + 1 / Math.cos(lat * Math.PI / 180)) / Math.PI) / 2 * 2 ** z)];
    const last16 = tiles.filter((u) => u.searchParams.get("z") === "16");
    assert(last16.length > 0, `no zoom-16 tiles asked for: ${tiles.map((u) => u.search).join(" ")}`);
    const first = [Number(last16[0].searchParams.get("x")), Number(last16[0].searchParams.get("y"))];
    const [gLat, gLon] = wgsToGcj(HERE.latitude, HERE.longitude);
    assertEq(first, tile(gLat, gLon, 16), "centre tile is GCJ-02's");
    assert(JSON.stringify(first) !== JSON.stringify(tile(HERE.latitude, HERE.longitude, 16)), "the shift crosses a tile here");
    await signIn(page, "li");
    await page.click(".committee .add");
    await page.waitForSelector(".pin-hint");
    // The user's dot is drawn at GCJ-02(HERE); tapping its centre must read back HERE in WGS-84.
    await page.waitForSelector(".leaflet-interactive");
    const dot = await page.locator("path.leaflet-interactive").first().boundingBox();
    await page.touchscreen.tap(dot.x + dot.width / 2, dot.y + dot.height / 2);
    await page.waitForSelector(".confirm-pin");
    const [lat, lon] = (await page.textContent(".committee .note")).split(",").map((s) => parseFloat(s));
    const metres = Math.hypot((lat - HERE.latitude) * 111320, (lon - HERE.longitude) * 111320 * Math.cos(HERE.latitude * Math.PI / 180));
    assert(metres < 15, `tap read back ${lat},${lon}: ${metres.toFixed(1)} m from the user (≈540 m if not shifted)`);
    await page.screenshot({ path: join(artifacts, "amap-360px.png") });
    await context.close();
  } finally {
    amap.stop();
  }
});

test("a resident reports a problem; the owner acknowledges and resolves; the resident sees it fixed; admins see the times", async ({ browser, base }) => {
  const { context, page } = await resident(browser, base);
  await page.waitForSelector(".results li");
  await page.click(".results li:first-child button");
  await page.waitForSelector(".sheet .report");
  // "Report a problem", the kind, then send.
  await page.click(".sheet .report");
  await page.click('.sheet .kind[data-kind="no_paper"]');
  await page.click(".sheet .confirm-report .send");
  await page.waitForSelector(".sheet .thanks");
  await page.screenshot({ path: join(artifacts, "report-sent.png") });
  // A second problem, for the owner to answer separately.
  await page.click(".sheet .report");
  await page.click('.sheet .kind[data-kind="dirty"]');
  await page.click(".sheet .confirm-report .send");
  await page.waitForSelector(".sheet .actions .report");
  await context.close();

  const owner = await browser.newContext({ ...PHONE, geolocation: HERE, permissions: ["geolocation"], locale: "zh-CN" });
  const op = await owner.newPage();
  await op.goto(base);
  await op.waitForSelector(".results li");
  // 人民广场公厕 belongs to nobody yet: an admin gives it to the committee.
  await signIn(op, "root");
  const me = await op.evaluate(async () => {
    const s = await (await fetch("/api/v1/session")).json();
    const orgs = await (await fetch("/api/v1/orgs")).json();
    const near = await (await fetch("/api/v1/toilets/nearby?lat=31.2304&lon=121.4737&limit=1")).json();
    const t = near.results[0].toilet;
    const r = await fetch(`/api/v1/toilets/${t.id}`, { method: "PATCH",
      headers: { "content-type": "application/json", "x-csrf-token": s.csrf_token },
      body: JSON.stringify({ version: t.version, org_id: orgs.find((o) => o.name === "人民广场居委会").id }) });
    return r.status;
  });
  assertEq(me, 200, "reassigned");
  await op.click("header button.signin");
  await signIn(op, "li");
  await op.waitForFunction(() => document.querySelectorAll(".queue .reports li").length === 2);
  const paper = op.locator(".queue .reports li", { hasText: "没有厕纸" });
  const dirty = op.locator(".queue .reports li", { hasText: "不干净" });
  // Minutes old: "刚刚" or "N分钟前", never "0小时前".
  const age = await paper.locator(".meta").first().textContent();
  assert(/^(刚刚|\d+分钟前)$/.test(age), `report age ${age}`);
  await paper.locator(".acknowledge").click();
  await op.waitForFunction(() => document.querySelectorAll(".queue .reports li .acknowledge").length === 1);
  await paper.locator('input[name="resolution"]').fill("已补充厕纸");
  await paper.locator(".resolve").click();
  await op.waitForFunction(() => document.querySelectorAll(".queue .reports li").length === 1);
  await dirty.locator(".resolve").click();
  await op.waitForFunction(() => document.querySelectorAll(".queue .reports li").length === 0);
  // Each report keeps its own note: the second, resolved without one, has none.
  const resolutions = await op.evaluate(async () => {
    const s = await (await fetch("/api/v1/session")).json();
    const reports = await (await fetch(`/api/v1/orgs/${s.user.org_id}/reports`)).json();
    return Object.fromEntries(reports.map((r) => [r.kind, r.resolution]).sort());
  });
  assertEq(resolutions, { dirty: null, no_paper: "已补充厕纸" }, "each report's own resolution note");
  await op.screenshot({ path: join(artifacts, "owner-queue-done.png") });
  await owner.close();

  const again = await resident(browser, base);
  await again.page.waitForSelector(".results li");
  await again.page.click(".results li:first-child button");
  await again.page.waitForSelector(".sheet .fixed");
  assertEq(await again.page.textContent(".sheet .fixed"), "已修复 今天", "fixed today");
  await again.context.close();

  const admin = await browser.newContext({ ...PHONE, locale: "en-GB" });
  const ap = await admin.newPage();
  await ap.goto(base);
  await signIn(ap, "root");
  await ap.click("nav.tabs button:nth-child(3)");
  await ap.waitForSelector(".stats tbody tr");
  const row = ap.locator(".stats tbody tr", { hasText: "人民广场居委会" });
  assertEq(await row.locator(".open").textContent(), "0", "no open reports");
  assert(/ s$| min$/.test(await row.locator(".resolve").textContent()), await row.locator(".resolve").textContent());
  await ap.screenshot({ path: join(artifacts, "admin-stats.png") });
  await admin.close();
});

test("a report is confirmed before it is sent, 其他 needs a note, and the sheet shows it at once; still correct shows at once", async ({ browser, base }) => {
  const { context, page } = await resident(browser, base);
  await page.waitForSelector(".results li");
  await page.click(".results li:nth-child(2) button");
  await page.waitForSelector(".sheet .report");
  assertEq(await page.textContent(".sheet .fresh"), "信息未核实", "never checked");
  await page.click(".sheet .confirm");
  await page.waitForFunction(() => document.querySelector(".sheet .fresh").textContent.includes("今天"));
  // A kind chosen, nothing is sent yet: cancel sends nothing.
  const sent = [];
  page.on("request", (r) => { if (r.method() === "POST" && r.url().endsWith("/reports")) sent.push(r.postDataJSON()); });
  await page.click(".sheet .report");
  await page.click('.sheet .kind[data-kind="no_water"]');
  await page.click(".sheet .confirm-report button.link");
  await page.waitForSelector(".sheet .actions .report");
  assertEq(sent.length, 0, "cancelled before sending");
  // 其他 cannot be sent without saying what.
  await page.click(".sheet .report");
  await page.click('.sheet .kind[data-kind="other"]');
  await page.click(".sheet .confirm-report .send");
  assertEq(await page.$eval('.sheet textarea[name="note"]', (t) => t.validity.valueMissing), true, "the note is required");
  assertEq(sent.length, 0, "nothing sent without the note");
  await page.fill('.sheet textarea[name="note"]', "门锁坏了，关不上");
  await page.click(".sheet .confirm-report .send");
  await page.waitForSelector(".sheet .last-report");
  assertEq(sent, [{ kind: "other", note: "门锁坏了，关不上", contact: null }], "the note goes with the report");
  assert((await page.textContent(".sheet .last-report")).includes("其他"), await page.textContent(".sheet .last-report"));
  await page.screenshot({ path: join(artifacts, "report-other-note.png") });
  // Closed and opened again from its marker on the map, the sheet keeps what the report changed.
  const title = await page.textContent(".sheet h2");
  await page.keyboard.press("Escape");
  await page.waitForSelector(".sheet", { state: "detached" });
  // It may be in a cluster: a tap on a cluster zooms into it.
  const marker = `.leaflet-marker-icon[title="${title}"]`;
  if (!(await page.$(marker))) await page.click(".marker-cluster");
  await page.click(marker);
  await page.waitForSelector(".sheet .last-report");
  assert((await page.textContent(".sheet .last-report")).includes("其他"), "the marker opens the updated copy");
  assert((await page.textContent(".sheet .fresh")).includes("今天"), "still checked today");
  await context.close();
});

// axe-core, WCAG 2.1 A and AA: every violation on the page now, as "rule: target" lines.
const AXE = readFileSync(join(root, "webapp/node_modules/axe-core/axe.min.js"), "utf8");
async function audit(page, where) {
  await page.addScriptTag({ content: AXE });
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
  });
  return found.map((f) => `${where}: ${f}`);
}

test("axe finds no WCAG 2.1 A/AA violation on any screen, at 100 % and 200 % text", async ({ browser, base }) => {
  const found = [];
  for (const [text, locale] of [[100, "zh-CN"], [200, "en"]]) {
    // bypassCSP: axe is injected as a script the policy would refuse.
    const context = await browser.newContext({ ...PHONE, viewport: { width: 360, height: 740 }, geolocation: HERE, permissions: ["geolocation"], locale, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(base);
    if (text !== 100) await page.addStyleTag({ content: `html { font-size: ${text}% !important; }` });
    await page.waitForSelector(".results li");
    // The layout: three whole results without scrolling at 100 % text, one at 200 %; nothing wider than the phone.
    const seen = await page.$$eval(".results li", (ls) => ls.filter((l) => l.getBoundingClientRect().bottom <= innerHeight).length);
    assert(seen >= (text === 100 ? 3 : 1), `${seen} results in view at ${text}% text`);
    assertEq(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), true, `no sideways scrolling at ${text}%`);
    if (text === 100) assert((await page.locator("header.top").boundingBox()).height < 64, "the header is one row at 360 px");
    // Map controls, markers and clusters: at least 44 × 44 px to a thumb.
    if (text === 100) await page.waitForSelector(".leaflet-marker-icon");
    const small = await page.$$eval(".leaflet-control-zoom a, .leaflet-marker-icon", (es) => es
      .map((e) => [e.className, e.getBoundingClientRect()]).filter(([, r]) => r.width < 44 || r.height < 44).map(([c, r]) => `${c} ${r.width}×${r.height}`));
    assertEq(small, [], "tap targets");
    found.push(...await audit(page, `list ${text}%`));
    await page.screenshot({ path: join(artifacts, `list-${text}.png`) });
    await page.click(".results li:first-child button");
    await page.waitForSelector(".sheet");
    found.push(...await audit(page, `sheet ${text}%`));
    await page.screenshot({ path: join(artifacts, `sheet-${text}.png`) });
    const sheetRight = await page.$$eval(".sheet dd", (ds) => Math.max(...ds.map((d) => d.getBoundingClientRect().right)));
    assert(sheetRight <= 360, `a value runs off the sheet at ${text}%: ${sheetRight}`);
    await page.click(".sheet .report");
    await page.click('.sheet .kind[data-kind="other"]');
    found.push(...await audit(page, `report ${text}%`));
    await page.keyboard.press("Escape");
    await signIn(page, "root");
    if (text !== 100) await page.addStyleTag({ content: `html { font-size: ${text}% !important; }` });
    await page.waitForSelector(".committee");
    found.push(...await audit(page, `committee ${text}%`));
    await page.click("nav.tabs button:nth-child(3)");
    await page.waitForSelector(".admin");
    found.push(...await audit(page, `admin ${text}%`));
    await context.close();
  }
  assert(found.length === 0, `axe:\n${found.join("\n")}`);
});

test("the app is installable, opens offline and shows the last list", async ({ browser, base }) => {
  const { context, page } = await resident(browser, base);
  await page.waitForSelector(".results li");
  await page.evaluate(() => navigator.serviceWorker.ready);
  // Installable: Chromium finds nothing wrong with the manifest, icons or
  // worker ("in-incognito" is the test browser's own context).
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
  assertEq(installabilityErrors.map((e) => e.errorId).filter((e) => e !== "in-incognito"), [], "installability");
  assertEq((await cdp.send("Page.getAppManifest")).errors, [], "manifest errors");
  await page.reload();
  await page.waitForSelector(".results li");
  await context.setOffline(true);
  await page.reload();
  await page.waitForSelector(".results li");
  assertEq((await names(page))[0], "人民广场公厕", "last list offline");
  assert((await page.textContent(".find .note")).includes("离线"), await page.textContent(".find .note"));
  await page.screenshot({ path: join(artifacts, "offline.png") });
  await context.close();
});


// Markup and script in every text field a committee, an import or a
// resident can fill. Each payload sets window.__xss and opens a dialog if
// it ever runs.
// Short enough for the shortest field it goes into (a street, 100 characters).
const X = (tag) => `<img src=x onerror=__xss='${tag}'><script>__xss='${tag}'</script>"'><svg/onload=alert('${tag}')>`;

async function api(base, method, path, token, body, type = "application/json") {
  const headers = { "content-type": type };
  if (token) headers.authorization = `Bearer ${token}`;
  const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : (type === "application/json" ? JSON.stringify(body) : body) });
  const text = await r.text();
  assert(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function noScriptRan(page, where) {
  assertEq(await page.evaluate(() => window.__xss ?? null), null, `a planted script ran (${where})`);
}

test("markup planted through the API and an imported list is shown as text and never runs", async ({ browser }) => {
  // Webhooks may reach this machine here (nothing listens on port 9).
  const s = await startServer(["--tiles", "http://127.0.0.1:9/{z}/{x}/{y}.png", "--tiles-attribution", "no tiles in tests", "--webhook-allow", "127.0.0.0/8"]);
  try {
    const token = async (username) => (await api(s.base, "POST", "/api/v1/session", null, { username, password: PASSWORD, bearer: true })).token;
    const root = await token("root");
    const org = await api(s.base, "POST", "/api/v1/orgs", root, { name: X("org"), kind: "residents_committee", street: X("street") });
    await api(s.base, "POST", "/api/v1/users", root, { username: "xss-member", password: PASSWORD, role: "committee", org_id: org.id });
    // A chat-bot webhook whose key is in its query: admins see its host only.
    await api(s.base, "PUT", `/api/v1/orgs/${org.id}/webhook`, root, { url: "http://127.0.0.1:9/hook?key=CHATBOTKEY", secret: "a secret of 16+ chars" });
    const member = await token("xss-member");
    const t = await api(s.base, "POST", "/api/v1/toilets", member, {
      name: X("name"), lat: 31.2306, lon: 121.4739, address: X("address"), hours_note: X("hours_note"), operator: X("operator"),
    });
    await api(s.base, "PATCH", `/api/v1/toilets/${t.id}`, member, { version: t.version, status: { state: "temporarily_closed", reason: X("reason") } });
    // Contacts are short (100 characters): a shorter payload.
    const C = `<img src=x onerror=alert('contact')>"'>`;
    await api(s.base, "POST", `/api/v1/toilets/${t.id}/reports`, null, { kind: "other", note: X("note"), contact: C });
    // An imported list carries its own payloads.
    const csv = `id,name,lat,lon,address,operator\nx1,"${X("import-name").replaceAll('"', '""')}",31.2309,121.4734,"${X("import-address").replaceAll('"', '""')}","${X("import-operator").replaceAll('"', '""')}"\n`;
    const upload = await api(s.base, "POST", "/api/v1/imports?source=xss&filename=xss.csv", root, csv, "text/csv");
    await api(s.base, "POST", `/api/v1/imports/${upload.import_id}/commit`, root, undefined);

    // The server picks the import up from the change log within a second or so.
    for (let tries = 0; ; tries++) {
      const near = await api(s.base, "GET", `/api/v1/toilets/nearby?lat=${HERE.latitude}&lon=${HERE.longitude}&limit=20`);
      if (near.results.some((r) => r.toilet.name === X("import-name"))) break;
      assert(tries < 100, "the imported toilet is not served");
      await new Promise((ok) => setTimeout(ok, 100));
    }

    // A resident: every marker, every list entry, every detail sheet.
    const { context, page } = await resident(browser, s.base);
    await page.waitForSelector(".results li");
    const listed = await names(page);
    assert(listed.includes(X("name")) && listed.includes(X("import-name")), `names shown literally: ${listed}`);
    // Open the clusters until the markers stand alone.
    for (let i = 0; i < 10; i++) {
      const cluster = await page.$(".marker-cluster");
      if (!cluster) break;
      const before = await page.$$eval(".leaflet-marker-icon", (e) => e.length);
      await cluster.dispatchEvent("click");
      await page.waitForFunction((b) => document.querySelectorAll(".leaflet-marker-icon").length !== b, before, { timeout: 5000 }).catch(() => {});
      await page.waitForFunction(() => !document.querySelector(".leaflet-zoom-anim"));
    }
    const markers = await page.$$(".leaflet-marker-icon:not(.marker-cluster)");
    const tooltips = [];
    for (const m of markers) {
      await m.dispatchEvent("mouseover");
      tooltips.push(...await page.$$eval(".leaflet-tooltip", (els) => els.map((e) => e.textContent)));
      assertEq(await page.$$eval(".leaflet-tooltip img, .leaflet-tooltip script, .leaflet-tooltip svg", (els) => els.length), 0, "no element inside a tooltip");
      await m.dispatchEvent("mouseout");
      await m.dispatchEvent("click");
      await page.waitForSelector(".sheet");
      await noScriptRan(page, "marker");
      await page.click(".sheet .close");
    }
    assert(tooltips.includes(X("name")) && tooltips.includes(X("import-name")), `tooltips as text: ${JSON.stringify(tooltips)}`);
    const entries = await page.$$(".results li button");
    for (let i = 0; i < entries.length; i++) {
      await page.click(`.results li:nth-child(${i + 1}) button`);
      await page.waitForSelector(".sheet");
      await noScriptRan(page, `list entry ${i + 1}`);
      await page.click(".sheet .close");
    }
    await page.locator(".results li", { hasText: X("name") }).locator("button").click();
    await page.waitForSelector(".sheet .closed-note");
    assert((await page.textContent(".sheet .closed-note")).includes(X("reason")), "closure reason as text");
    const rows = Object.fromEntries(await page.$$eval(".sheet .row", (rs) => rs.map((r) => [r.querySelector("dt").textContent, r.querySelector("dd").textContent])));
    for (const field of ["hours_note", "address", "operator"]) {
      assert(Object.values(rows).includes(X(field)), `${field} as text: ${JSON.stringify(rows)}`);
    }
    assertEq(await page.$$eval(".sheet img, .sheet script, .sheet svg", (e) => e.length), 0, "no planted element in the sheet");
    await page.screenshot({ path: join(artifacts, "xss-resident.png") });
    await noScriptRan(page, "resident");
    await context.close();

    // The committee: its toilets and its report queue.
    const committee = await browser.newContext({ ...PHONE, geolocation: HERE, permissions: ["geolocation"], locale: "zh-CN" });
    const cp = await committee.newPage();
    await cp.goto(s.base);
    await cp.waitForSelector(".results li");
    await signIn(cp, "xss-member");
    await cp.waitForSelector(".queue .reports li");
    assertEq(await cp.textContent(".queue .reports li .report-note"), X("note"), "report note as text");
    assertEq(await cp.textContent(".queue .reports li .contact"), C, "contact as text");
    assert((await cp.textContent(".committee h2")).includes(X("org")), "organisation name as text");
    await cp.waitForSelector(".ours .name");
    assert((await cp.$$eval(".ours .name", (els) => els.map((e) => e.textContent))).includes(X("name")), "our toilets as text");
    assertEq(await cp.$$eval("main img, main script, main svg", (e) => e.length), 0, "no planted element for the committee");
    await cp.screenshot({ path: join(artifacts, "xss-committee.png") });
    await noScriptRan(cp, "committee");
    await committee.close();

    // The admin: statistics by organisation, and a dry-run report quoting the bad cells.
    const admin = await browser.newContext({ ...PHONE, locale: "zh-CN" });
    const ap = await admin.newPage();
    await ap.goto(s.base);
    await signIn(ap, "root");
    await ap.click("nav.tabs button:nth-child(3)");
    await ap.waitForSelector(".stats tbody tr");
    assert((await ap.$$eval(".stats tbody td", (tds) => tds.map((t) => t.textContent))).includes(X("org")), "organisation in the statistics as text");
    await ap.fill('.admin input[name="source"]', "xss-2");
    await ap.setInputFiles('.admin input[name="file"]', {
      name: "bad.csv", mimeType: "text/csv",
      buffer: Buffer.from(`编号,名称,纬度,经度\n"${X("id").replaceAll('"', '""')}",好的,"${X("lat").replaceAll('"', '""')}",121.47\n`),
    });
    await ap.click('.admin form button[type="submit"]');
    await ap.waitForSelector(".report tbody tr");
    const cells = await ap.$$eval(".report tbody td", (tds) => tds.map((t) => t.textContent));
    assert(cells.includes(X("lat")), `the bad value quoted as text: ${JSON.stringify(cells)}`);
    assertEq(await ap.$$eval("main img, main script, main svg", (e) => e.length), 0, "no planted element for the admin");
    // Admins read a webhook's state over the API: its host, never its key.
    const hooks = await ap.evaluate(async () => (await fetch("/api/v1/webhooks")).json());
    assertEq(hooks.map((h) => h.host), ["127.0.0.1"], "webhook host");
    assert(!JSON.stringify(hooks).includes("CHATBOTKEY"), "the webhook's key is not shown");
    await ap.screenshot({ path: join(artifacts, "xss-admin.png") });
    await noScriptRan(ap, "admin");
    await admin.close();
  } finally {
    s.stop();
  }
});

test("residents never load the staff screens; an admin adds an organisation and an account, resets its password, changes its role and disables it; signing out goes back", async ({ browser }) => {
  const s = await startServer(["--tiles", "http://127.0.0.1:9/{z}/{x}/{y}.png", "--tiles-attribution", "no tiles in tests", "--webhook-allow", "127.0.0.0/8"]);
  try {
    // bypassCSP: axe is injected as a script the policy would refuse.
    const context = await browser.newContext({ ...PHONE, geolocation: HERE, permissions: ["geolocation"], locale: "zh-CN", bypassCSP: true });
    const page = await context.newPage();
    const loaded = [];
    page.on("request", (r) => loaded.push(new URL(r.url()).pathname));
    await page.goto(s.base);
    await page.waitForSelector(".results li");
    assert(loaded.includes("/gongce_webapp_bg.wasm"), "the residents' build is loaded");
    assert(!loaded.some((p) => p.includes("gongce_staff")), "residents never download the staff screens");
    await signIn(page, "root");
    assert(loaded.includes("/gongce_staff_bg.wasm"), "signing in loads the staff build");
    await page.click("nav.tabs button:nth-child(3)");
    await page.waitForSelector(".accounts .orgs li");
    assertEq(await page.textContent(".accounts .orgs li:first-child span"), "居委会", "an organisation's kind in words");

    // A new organisation, with a webhook that cannot be delivered (nothing listens on port 9).
    await page.click(".accounts details:first-of-type summary");
    await page.fill('.new-org input[name="name"]', "南京东路街道办");
    await page.selectOption('.new-org select[name="kind"]', "street_office");
    await page.fill('.new-org input[name="district"]', "黄浦区");
    await page.fill('.new-org input[name="street"]', "南京东路街道");
    await page.click(".new-org button[type=submit]");
    const orgRow = '.orgs li:has(strong:text-is("南京东路街道办"))';
    await page.waitForSelector(orgRow);
    assertEq(await page.textContent(`${orgRow} span`), "街道办事处 · 黄浦区 南京东路街道", "the new organisation");
    assertEq(await page.inputValue('.new-org input[name="name"]'), "", "the form is cleared once saved");
    const root = (await api(s.base, "POST", "/api/v1/session", null, { username: "root", password: PASSWORD, bearer: true })).token;
    const orgs = await api(s.base, "GET", "/api/v1/orgs", root);
    const street = orgs.find((o) => o.name === "南京东路街道办");
    assertEq([street.kind, street.district, street.street], ["street_office", "黄浦区", "南京东路街道"], "stored as entered");
    await api(s.base, "PUT", `/api/v1/orgs/${street.id}/webhook`, root, { url: "http://127.0.0.1:9/hook?key=SECRETKEY", secret: "a secret of 16+ chars" });

    // A taken username is refused next to the form, in Chinese, and what was typed stays.
    await page.click(".accounts details:last-of-type summary");
    await page.fill('.new-user input[name="username"]', "li");
    await page.fill('.new-user input[name="password"]', "a-long-password-1");
    await page.selectOption('.new-user select[name="org_id"]', { label: "南京东路街道办" });
    await page.click(".new-user button[type=submit]");
    assertEq(await (await page.waitForSelector(".new-user .error")).textContent(), "用户名“li”已被使用", "localised refusal");
    assertEq(await page.inputValue('.new-user input[name="username"]'), "li", "the typed text is kept");
    await page.fill('.new-user input[name="username"]', "wang.test");
    await page.click(".new-user button[type=submit]");
    const userRow = '.users li:has(strong:text-is("wang.test"))';
    await page.waitForSelector(userRow);
    assertEq(await page.textContent(`${userRow} span`), "单位成员 · 南京东路街道办", "the new account");
    assertEq(await page.$(".new-user .error"), null, "the refusal is gone");

    // The new member signs in (in English) and gets the committee page of their organisation.
    const member = await browser.newContext({ ...PHONE, geolocation: HERE, permissions: ["geolocation"], locale: "en-GB" });
    const mp = await member.newPage();
    await mp.goto(s.base);
    await mp.waitForSelector(".results li");
    await signIn(mp, "wang.test", "a-long-password-1");
    assertEq(await mp.$("nav.tabs button:nth-child(3)"), null, "a member has no admin tab");

    // The admin resets the password and makes the account an admin: its sessions end.
    await page.click(`${userRow} button`);
    await page.fill(`${userRow} input[name="password"]`, "another-password-2");
    await page.selectOption(`${userRow} select[name="role"]`, "admin");
    await page.click(`${userRow} .edit-user button[type=submit]`);
    await page.waitForSelector(`${userRow} span:text-matches("^管理员 · ")`);
    assertEq(await page.$(`${userRow} form`), null, "the form closes once saved");
    const status = async (username, password) => (await fetch(s.base + "/api/v1/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }) })).status;
    assertEq(await status("wang.test", "a-long-password-1"), 401, "the old password no longer works");
    assertEq(await status("wang.test", "another-password-2"), 200, "the new one does");
    await mp.reload();
    await mp.waitForSelector(".signin-form");
    await signIn(mp, "wang.test", "another-password-2", false);
    await mp.waitForSelector("nav.tabs button:nth-child(3)");
    await member.close();

    // Disabled: the account cannot sign in, and says so in the list.
    await page.click(`${userRow} button`);
    await page.check(`${userRow} input[name="disabled"]`);
    await page.click(`${userRow} .edit-user button[type=submit]`);
    await page.waitForSelector(`${userRow} .badge`);
    assertEq(await page.textContent(`${userRow} .badge`), "已停用", "disabled");
    assertEq(await status("wang.test", "another-password-2"), 401, "a disabled account cannot sign in");
    // An admin cannot change their own account here.
    assertEq(await page.$('.users li:has(strong:text-is("root")) button'), null, "no edit button on one's own account");

    // Disabling an organisation asks once more.
    await page.click(`${orgRow} button`);
    assertEq(await page.textContent(`${orgRow} button`), "确认停用", "asks to confirm");
    assertEq((await api(s.base, "GET", "/api/v1/orgs", root)).find((o) => o.id === street.id).disabled, false, "not yet");
    await page.click(`${orgRow} button`);
    await page.waitForSelector(`${orgRow} .badge`);
    assertEq((await api(s.base, "GET", "/api/v1/orgs", root)).find((o) => o.id === street.id).disabled, true, "disabled once confirmed");
    // The webhook's state: its host, never its key.
    const hook = await page.textContent(`${orgRow} .webhook`);
    assert(hook.startsWith("Webhook 127.0.0.1 · 正常 · 待发送 0 · 已放弃 0"), `webhook line: ${hook}`);
    assert(!hook.includes("SECRETKEY"), "the key is not shown");
    const found = await audit(page, "accounts");
    assertEq(found, [], "axe on the accounts screen");
    await page.screenshot({ path: join(artifacts, "admin-accounts.png"), fullPage: true });

    // Signing out loads the residents' build again.
    loaded.length = 0;
    await Promise.all([page.waitForEvent("load"), page.click("header button.signin")]);
    await page.waitForSelector(".results li");
    assert(loaded.includes("/gongce_webapp_bg.wasm") && !loaded.some((p) => p.includes("gongce_staff")), `after signing out: ${loaded.filter((p) => p.includes("gongce"))}`);
    await context.close();
  } finally {
    s.stop();
  }
});

test("OpenStreetMap toilets without a name are called a toilet with their address; a venue lists its rooms", async ({ browser }) => {
  // Sydney: the OSM fixture (as Overpass JSON), and a venue listed room by room.
  const dir = mkdtempSync(join(tmpdir(), "gongce-rooms-"));
  const rooms = join(dir, "rooms.csv");
  writeFileSync(rooms, "id,name,lat,lon\nr1,市政廳廣場(男廁),-33.87300,151.20660\nr2,市政廳廣場(女廁),-33.87302,151.20662\nr3,市政廳廣場(無障礙廁所),-33.87304,151.20664\n");
  const s = await startServer(undefined, [join(root, "server/tests/fixtures/osm/sydney.overpass.json"), rooms]);
  try {
    const { context, page } = await resident(browser, s.base, { locale: "zh-TW", geolocation: { latitude: -33.869, longitude: 151.207 } });
    await page.waitForSelector(".results li");
    const listed = await names(page);
    assertEq(listed[0], "公廁 · 1 George Street, Sydney", "the nameless toilet on George Street, nearest");
    assert(listed.includes("公廁 · City of Sydney") === false && listed.includes("Hyde Park Toilets"), `names: ${listed}`);
    await page.click(".results li:first-child button");
    await page.waitForSelector(".sheet");
    assertEq(await page.textContent(".sheet h2"), "公廁 · 1 George Street, Sydney", "the sheet's title");
    await page.keyboard.press("Escape");
    // The venue made of three rooms is one toilet, its rooms listed in Taiwan's words.
    const venue = listed.indexOf("市政廳廣場");
    assert(venue >= 0, `the venue is listed once by its stem: ${listed}`);
    await page.click(`.results li:nth-child(${venue + 1}) button`);
    await page.waitForSelector(".sheet");
    const rows = Object.fromEntries(await page.$$eval(".sheet .row", (rs) => rs.map((r) => [r.querySelector("dt").textContent, r.querySelector("dd").textContent])));
    assertEq(rows["廁間"], "男廁 · 女廁 · 無障礙廁所", "its rooms");
    await page.screenshot({ path: join(artifacts, "rooms-zh-TW.png") });
    await page.keyboard.press("Escape");
    // In English, the generic name is English too.
    await page.click('header button.lang[lang="en"]');
    await page.waitForFunction(() => document.querySelector(".results .name")?.textContent === "Toilet · 1 George Street, Sydney");
    await context.close();
  } finally {
    s.stop();
  }
});

test("a closure's end is shown in the toilet's own time zone, not the phone's", async ({ browser }) => {
  const s = await startServer();
  try {
    const root = (await api(s.base, "POST", "/api/v1/session", null, { username: "root", password: PASSWORD, bearer: true })).token;
    const taichung = { latitude: 24.1369, longitude: 120.6869 };
    const t = await api(s.base, "POST", "/api/v1/toilets", root, { name: "台中車站公廁", lat: taichung.latitude, lon: taichung.longitude });
    assertEq(t.timezone, "Asia/Taipei", "zone from position");
    // 16:30 UTC is 00:30 the next day in Taipei, 16:30 on the phone in London.
    await api(s.base, "PATCH", `/api/v1/toilets/${t.id}`, root, { version: t.version, status: { state: "temporarily_closed", reason: "整修", until: "2030-01-01T16:30:00Z" } });
    const { context, page } = await resident(browser, s.base, { geolocation: taichung, timezoneId: "Europe/London" });
    await page.locator(".results li", { hasText: "台中車站公廁" }).locator("button").click();
    const note = await page.locator(".sheet .closed-note").textContent();
    assert(note.includes("2030年1月2日 00:30"), note);
    await page.keyboard.press("Escape");
    // Hours that change within the day say when, on Taipei's clock: open every
    // minute but 23:59, so the badge reads one of two things whenever this runs.
    const late = await api(s.base, "POST", "/api/v1/toilets", root, { name: "夜間公廁", lat: taichung.latitude + 0.0005, lon: taichung.longitude, opening_hours: "Mo-Su 00:00-23:59" });
    assertEq(late.opening_hours, "Mo-Su 00:00-23:59", "hours saved");
    await page.click(".search-here");
    const badge = page.locator(".results li", { hasText: "夜間公廁" }).locator(".badge");
    await badge.waitFor();
    const said = await badge.textContent();
    assert(said === "营业至 23:59" || said === "已关闭 · 00:00开放", `badge ${said}`);
    await context.close();
  } finally {
    s.stop();
  }
});

test("the policy lets the app work with every tile preset, and sends the headers", async ({ browser }) => {
  for (const [preset, host] of [["osm", "tile.openstreetmap.org"], ["amap", "is.autonavi.com"], ["tianditu:TESTKEY", "tianditu.gov.cn"]]) {
    const s = await startServer(["--tiles", preset]);
    try {
      const context = await browser.newContext({ ...PHONE, geolocation: HERE, permissions: ["geolocation"], locale: "zh-CN" });
      const page = await context.newPage();
      // Nothing leaves this machine: requests elsewhere are noted and aborted.
      const asked = [];
      await page.route((url) => !["127.0.0.1", "localhost"].includes(url.hostname), (route) => { asked.push(new URL(route.request().url()).hostname); route.abort(); });
      const response = await page.goto(s.base);
      const h = response.headers();
      assert(h["content-security-policy"].includes("script-src 'self' 'wasm-unsafe-eval'"), h["content-security-policy"]);
      assert(h["content-security-policy"].includes(host), `${preset}: ${h["content-security-policy"]}`);
      assertEq([h["x-content-type-options"], h["referrer-policy"]], ["nosniff", "strict-origin-when-cross-origin"], "headers");
      await page.waitForSelector(".results li");
      await page.waitForFunction(() => document.querySelectorAll(".leaflet-tile").length > 0);
      assert(asked.length > 0 && asked.every((h2) => h2.endsWith(host)), `${preset} tiles from ${[...new Set(asked)]}`);
      assert((await page.textContent(".map-attribution")).startsWith("©"), "attribution as text");
      await context.close();
    } finally {
      s.stop();
    }
  }
});

test("the API documentation renders from the binary under its policy, with no console error, and tries a request", async ({ browser, base }) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en" });
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(e.message));
  // Nothing is fetched from anywhere but this server (no CDN, no validator).
  const elsewhere = [];
  await page.route((url) => !["127.0.0.1", "localhost"].includes(url.hostname), (route) => { elsewhere.push(route.request().url()); route.abort(); });
  const response = await page.goto(`${base}/api/docs`);
  assertEq(response.status(), 200, "status");
  assert(page.url().endsWith("/api/docs/"), page.url());
  const csp = response.headers()["content-security-policy"];
  assert(csp.includes("script-src 'self';") && !csp.includes("unsafe"), csp);
  await page.waitForSelector(".swagger-ui .info .title");
  assert((await page.textContent(".swagger-ui .info .title")).includes("gongce"), "the API's title");
  const paths = await page.$$eval(".opblock-summary-path", (els) => els.map((e) => e.textContent.replace(/\u200b/g, "")));
  assert(paths.includes("/api/v1/toilets/nearby"), `operations: ${paths.slice(0, 5)}`);
  // Try it out: the nearest toilets, asked of this server from the page.
  const nearby = page.locator(".opblock", { has: page.locator('.opblock-summary-path[data-path="/api/v1/toilets/nearby"]') }).first();
  await nearby.locator(".opblock-summary").click();
  await nearby.getByRole("button", { name: "Try it out" }).click();
  await nearby.locator('tr[data-param-name="lat"] input').fill("31.2304");
  await nearby.locator('tr[data-param-name="lon"] input').fill("121.4737");
  await nearby.getByRole("button", { name: "Execute" }).click();
  await nearby.locator(".live-responses-table tbody .response-col_status").first().waitFor();
  assertEq((await nearby.locator(".live-responses-table tbody .response-col_status").first().textContent()).trim(), "200", "tried request");
  await page.screenshot({ path: join(artifacts, "api-docs.png") });
  assertEq(errors, [], "console errors");
  assertEq(elsewhere, [], "requests elsewhere");
  await context.close();
});

const server = await startServer();
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
// Every page of every test is watched: a Content-Security-Policy violation,
// a script planted in the data that runs, or a dialog fails the test.
const incidents = [];
const newContext = browser.newContext.bind(browser);
browser.newContext = async (options) => {
  const context = await newContext(options);
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`));
  });
  context.on("page", (page) => {
    page.on("console", (m) => {
      if (/Content[- ]Security[- ]Policy|CSP violation/i.test(m.text())) incidents.push(`${page.url()}: ${m.text()}`);
    });
    page.on("dialog", (d) => { incidents.push(`a dialog opened: ${d.message()}`); d.dismiss().catch(() => {}); });
  });
  return context;
};
let passed = 0, failed = 0;
// BROWSER_TEST=text runs only the tests whose names hold it.
const only = process.env.BROWSER_TEST;
for (const t of tests.filter((t) => !only || t.name.includes(only))) {
  try {
    incidents.length = 0;
    await t.fn({ browser, base: server.base });
    assertEq(incidents, [], "CSP violations, dialogs or planted scripts");
    passed++;
    console.log(`test ${SUITE}::${t.name} ... ok`);
  } catch (e) {
    failed++;
    console.log(`test ${SUITE}::${t.name} ... FAILED\n${e.stack}`);
  }
}
await browser.close();
server.stop();
console.log(`\ntest result: ${failed ? "FAILED" : "ok"}. ${passed} passed; ${failed} failed; 0 ignored; 0 measured; 0 filtered out`);
process.exit(failed ? 1 : 0);
