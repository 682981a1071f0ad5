// Browser tests of the built site, as a reader sees it: pages opened from
// file:// in headless Chromium. Run by scripts/test.sh after `cargo build`.
//
//   SITE_DIR   the built site to test (required)
//   SHOTS_DIR  where to save desktop and phone screenshots (default: ./screenshots)
//   CHROMIUM   the browser binary (default: /usr/bin/chromium)

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { htmlFiles, launch } from "./browser.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const siteDir = resolve(process.env.SITE_DIR ?? "");
const shotsDir = resolve(process.env.SHOTS_DIR ?? join(here, "screenshots"));
const axeSource = readFileSync(join(here, "node_modules/axe-core/axe.min.js"), "utf8");

const pages = htmlFiles(siteDir);
const url = (rel) => pathToFileURL(join(siteDir, rel)).href;
let browser;

before(async () => {
  assert.ok(pages.length > 10, `no site at ${siteDir}`);
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

/// Opens `href` and records console errors, page errors and every request.
async function open(context, href) {
  const page = await context.newPage();
  const problems = [];
  const requests = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => requests.push(r.url()));
  page.on("dialog", (d) => { problems.push(`dialog: ${d.message()}`); d.dismiss(); });
  await page.goto(href, { waitUntil: "load" });
  return { page, problems, requests };
}

test("every page loads from file:// with no console error and no network request", async () => {
  const context = await browser.newContext();
  for (const file of pages) {
    const rel = relative(siteDir, file);
    const { page, problems, requests } = await open(context, url(rel));
    assert.deepEqual(problems, [], `${rel}: ${problems.join("; ")}`);
    const remote = requests.filter((r) => !r.startsWith("file://"));
    assert.deepEqual(remote, [], `${rel} requested ${remote.join(", ")}`);
    // The stylesheet and scripts really loaded (CSP did not block them).
    const styled = await page.evaluate(() => getComputedStyle(document.body).fontFamily.includes("system-ui"));
    assert.ok(styled, `${rel}: stylesheet not applied`);
    await page.close();
  }
  await context.close();
});

async function axeViolations(colorScheme, files) {
  // axe is injected by the test, so this context alone bypasses the pages' CSP.
  const context = await browser.newContext({ bypassCSP: true, colorScheme });
  const failures = [];
  for (const file of files) {
    const rel = relative(siteDir, file);
    const { page } = await open(context, url(rel));
    await page.evaluate(axeSource);
    const result = await page.evaluate(async () => await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    }));
    for (const v of result.violations) {
      if (v.impact === "serious" || v.impact === "critical") {
        failures.push(`${colorScheme} ${rel}: ${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
      }
    }
    await page.close();
  }
  await context.close();
  return failures;
}

test("axe finds no serious or critical accessibility violation", async () => {
  assert.deepEqual(await axeViolations("light", pages), []);
});

test("dark mode keeps contrast", async () => {
  const sample = pages.filter((p) => /(index|matrix|findings|orders|product-affinity-scores)\.html$/.test(p));
  assert.ok(sample.length >= 5);
  assert.deepEqual(await axeViolations("dark", sample), []);
});

test("search finds an entity and navigates to it", async () => {
  const context = await browser.newContext();
  const { page, problems } = await open(context, url("goals/index.html"));
  await page.fill("#search-input", "basket affinity");
  const first = page.locator("#search-results a").first();
  await first.waitFor();
  assert.match(await first.textContent(), /Basket affinity/);
  await page.press("#search-input", "Enter");
  await page.waitForURL(/data-products\/basket-affinity\.html$/);
  assert.equal(await page.locator("h1").textContent(), "Basket affinity");
  // The search page lists results for ?q= too.
  await page.goto(url("search.html") + "?q=hypothesis");
  const results = await page.locator("#search-page-results li").count();
  assert.ok(results >= 5, `only ${results} results`);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the trace tree works without JavaScript", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(url("index.html"));
  const links = await page.locator(".tree a").count();
  assert.ok(links > 30, `tree shows ${links} links`);
  await page.locator(".tree summary").first().click();
  await context.close();
});

test("desktop and phone screenshots", async () => {
  mkdirSync(shotsDir, { recursive: true });
  const shots = [
    ["desktop", { width: 1280, height: 900 }, "light"],
    ["phone", { width: 390, height: 844 }, "light"],
    ["desktop-dark", { width: 1280, height: 900 }, "dark"],
  ];
  for (const [name, viewport, colorScheme] of shots) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1, colorScheme });
    for (const rel of ["index.html", "data-products/product-affinity-scores.html", "matrix.html", "graph.html"]) {
      const page = await context.newPage();
      await page.goto(url(rel));
      // Nothing may overflow the viewport sideways (tables and graphs scroll inside their box).
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${name} ${rel} overflows by ${overflow}px`);
      await page.screenshot({ path: join(shotsDir, `${name}-${rel.replaceAll("/", "-")}.png`), fullPage: true });
      await page.close();
    }
    await context.close();
  }
});

test("on a phone the trace graph pans inside its box", async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  await page.goto(url("graph.html"));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `graph.html overflows the page by ${overflow}px`);
  const wrap = page.locator(".graph-wrap");
  const box = await wrap.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth, tab: el.tabIndex }));
  assert.ok(box.client <= 390, `the graph's box is ${box.client}px wide`);
  assert.ok(box.scroll > box.client, "the graph is wider than its box, so it must pan");
  assert.equal(box.tab, 0, "the box takes focus, so a keyboard can pan it");
  const left = await wrap.evaluate((el) => { el.scrollLeft = 300; return el.scrollLeft; });
  assert.ok(left > 0, "the box scrolls sideways");
  // Or the whole graph fits the box, without JavaScript.
  await page.locator("#graph-fit").check();
  const fitted = await wrap.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
  assert.ok(fitted.scroll <= fitted.client + 1, `fitted graph is ${fitted.scroll}px in a ${fitted.client}px box`);
  await context.close();
});

test("indicator charts are drawn, described and readable on a phone", async () => {
  mkdirSync(shotsDir, { recursive: true });
  for (const [name, viewport] of [["desktop", { width: 1280, height: 900 }], ["phone", { width: 390, height: 844 }]]) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const errors = [];
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    await page.goto(url("goals/lift-campaign-conversion.html"));
    const charts = page.locator("figure.chart");
    assert.equal(await charts.count(), 2, "one chart per success indicator");
    const svg = charts.first().locator("svg[role=img]");
    assert.ok(await svg.isVisible(), "the chart is visible");
    assert.ok((await svg.locator(":scope > title").textContent()).length > 0, "it has a title");
    assert.ok((await svg.locator(".series circle").count()) >= 12, "its observations are drawn");
    assert.equal(await svg.locator(".target line").count(), 1, "and its target");
    assert.ok((await charts.first().locator(".chart-summary").textContent()).includes("target 3.5"));
    const rows = await charts.first().locator("details table tbody tr").count();
    assert.ok(rows >= 12, `the data table has ${rows} rows`);
    // Readable: labels at least 9 px tall, date labels apart, nothing overflows.
    const labels = await svg.evaluate((el) => [...el.querySelectorAll("text.tick.x")]
      .filter((t) => getComputedStyle(t).display !== "none")
      .map((t) => { const r = t.getBoundingClientRect(); return { l: r.left, r: r.right, h: r.height }; }));
    assert.ok(labels.length >= 2, "date labels are shown");
    for (const l of labels) assert.ok(l.h >= 9, `${name}: a date label is ${l.h}px tall`);
    for (let i = 1; i < labels.length; i++) assert.ok(labels[i].l >= labels[i - 1].r, `${name}: date labels overlap`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name}: the goal page overflows by ${overflow}px`);
    await page.screenshot({ path: join(shotsDir, `${name}-goal-chart.png`), fullPage: true });
    await page.goto(url("progress.html"));
    const groups = await page.locator("main section h2 .badge").allTextContents();
    assert.ok(groups.length >= 2, `progress groups: ${groups}`);
    const linked = await page.locator("main table a").count();
    assert.equal(linked, 6, "every indicator of the example, linked to its page");
    const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(over <= 0, `${name}: progress.html overflows by ${over}px`);
    await page.screenshot({ path: join(shotsDir, `${name}-progress.png`), fullPage: true });
    await page.goto(url("index.html"));
    assert.equal(await page.locator(".hero figure.chart svg[role=img]").count(), 1, "the North Star's chart on the index");
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test("the Nu HTML checker reports no error on any page", () => {
  const jar = join(here, "node_modules/vnu-jar/build/dist/vnu.jar");
  try {
    execFileSync("java", ["-jar", jar, "--errors-only", "--skip-non-html", siteDir], { stdio: "pipe" });
  } catch (e) {
    assert.fail(`vnu: ${e.stderr?.toString() || e.message}`);
  }
});
