// dbt on the site: the shop project's specs (tests/dbt/specs) built over its
// artifacts, and a data product's page, a source's page and the overview
// opened in Chromium as an analytics engineer reads them.
//
//   THROUGHLINE_BIN  the throughline binary (required)
//   DBT_SPECS        the specs of the dbt project (required)
//   SHOTS_DIR        where to save screenshots (default: ./screenshots)
//   CHROMIUM         the browser binary (default: /usr/bin/chromium)

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { launch, open as openUrl } from "./browser.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const shotsDir = resolve(process.env.SHOTS_DIR ?? join(here, "screenshots"));
const axeSource = readFileSync(join(here, "node_modules/axe-core/axe.min.js"), "utf8");

let tmp, site, browser;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "throughline-dbt-"));
  site = join(tmp, "site");
  // The specs name a renamed model on purpose (a dbt-ref error).
  execFileSync(process.env.THROUGHLINE_BIN, ["build", process.env.DBT_SPECS, "-o", site, "--allow-errors"], { stdio: "pipe" });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (!process.env.KEEP) rmSync(tmp, { recursive: true, force: true });
});

const url = (rel) => pathToFileURL(join(site, rel)).href;

const open = (context, rel) => openUrl(context, url(rel));

test("a data product's page shows its model, tests and declared against observed lineage", async () => {
  const context = await browser.newContext();
  const { page, problems, requests } = await open(context, "data-products/customer-revenue.html");
  assert.deepEqual(problems, []);
  assert.deepEqual(requests.filter((r) => !r.startsWith("file://")), []);
  const section = page.locator("section.dbt");
  assert.ok(await section.isVisible());
  const text = await section.innerText();
  assert.match(text, /Port revenue: model model\.shop\.customer_revenue/);
  assert.match(text, /Materialization\s+table/);
  // The failing test, with its status and dbt's message.
  const failing = section.locator("tr", { hasText: "revenue_matches_payments" });
  assert.match(await failing.innerText(), /fail\s+Got 2 results/i);
  assert.equal(await failing.locator(".badge.error").count(), 1);
  // The undeclared upstream is marked, with the path dbt shows.
  const lineage = page.locator("section.lineage");
  assert.match(await lineage.innerText(), /Observed by dbt/);
  const undeclared = lineage.locator("tr", { hasText: "Raw payments" });
  assert.match(await undeclared.innerText(), /stg_payments/);
  assert.equal((await undeclared.locator(".badge.warning").innerText()).toLowerCase(), "undeclared");
  // Every upstream links to its page.
  const hrefs = await lineage.locator("a[href]").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  assert.ok(hrefs.length >= 3, hrefs.join(" "));
  for (const href of hrefs) assert.ok(existsSync(join(site, "data-products", href)), href);
  mkdirSync(shotsDir, { recursive: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await section.screenshot({ path: join(shotsDir, "dbt-product-desktop.png") });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(shotsDir, "dbt-product-phone.png"), fullPage: true });
  await context.close();
});

test("the overview lists what failed in dbt under the goal it puts at risk", async () => {
  const context = await browser.newContext();
  const { page, problems } = await open(context, "index.html");
  assert.deepEqual(problems, []);
  const section = page.locator("section[aria-labelledby=dbt-risk-title]");
  const text = await section.innerText();
  assert.match(text, /Grow repeat customers/);
  assert.match(text, /revenue_matches_payments\s+fail/i);
  await section.locator("a", { hasText: "Customer revenue" }).first().click();
  assert.ok(page.url().endsWith("/data-products/customer-revenue.html"), page.url());
  await context.close();
});

test("the dbt pages have no serious accessibility violation, light or dark, and are valid HTML", async () => {
  const pages = ["data-products/customer-revenue.html", "data-products/order-history.html", "sources/raw-orders.html", "index.html"];
  for (const colorScheme of ["light", "dark"]) {
    const context = await browser.newContext({ bypassCSP: true, colorScheme });
    for (const rel of pages) {
      const { page } = await open(context, rel);
      await page.evaluate(axeSource);
      const result = await page.evaluate(async () => await window.axe.run(document, {
        runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
      }));
      const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      assert.deepEqual(bad.map((v) => `${colorScheme} ${rel}: ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`), []);
      await page.close();
    }
    await context.close();
  }
  const jar = join(here, "node_modules/vnu-jar/build/dist/vnu.jar");
  try {
    execFileSync("java", ["-jar", jar, "--errors-only", ...pages.map((p) => join(site, p))], { stdio: "pipe" });
  } catch (e) {
    assert.fail(`vnu: ${e.stderr?.toString() || e.message}`);
  }
});
