// OpenLineage on the site: the openlineage fixture (tests/fixtures/openlineage)
// built over its run events, and a data product's page opened in Chromium as a
// platform engineer reads it: the declared inputs against what the runs show.
//
//   THROUGHLINE_BIN  the throughline binary (required)
//   LINEAGE_SPECS    the fixture workspace (required)
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
  tmp = mkdtempSync(join(tmpdir(), "throughline-lineage-"));
  site = join(tmp, "site");
  execFileSync(process.env.THROUGHLINE_BIN, ["build", process.env.LINEAGE_SPECS, "-o", site], { stdio: "pipe" });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (!process.env.KEEP) rmSync(tmp, { recursive: true, force: true });
});

const page = "data-products/revenue.html";

test("a data product's page shows what the runs read, with the job and run that showed it", async () => {
  const context = await browser.newContext();
  const { page: p, problems, requests } = await openUrl(context, pathToFileURL(join(site, page)).href);
  assert.deepEqual(problems, []);
  assert.deepEqual(requests.filter((r) => !r.startsWith("file://")), []);
  const section = p.locator("section.lineage");
  assert.ok(await section.isVisible());
  assert.match(await section.innerText(), /2 differences between inputs and what OpenLineage shows it read/i);
  assert.equal(await section.locator("th", { hasText: "Observed by OpenLineage" }).count(), 1);
  const undeclared = section.locator("tr", { hasText: "Raw payments" });
  const text = await undeclared.innerText();
  assert.match(text, /analytics\.staging\.payments/);
  assert.match(text, /job `airflow\/finance\.stage_payments` run `01937f6a-0000-7000-8000-000000000002`/);
  assert.equal((await undeclared.locator(".badge.warning").innerText()).toLowerCase(), "undeclared");
  const missing = section.locator("tr", { hasText: "Raw customers" });
  assert.equal((await missing.locator(".badge.warning").innerText()).toLowerCase(), "not observed");
  // Every upstream links to its page.
  const hrefs = await section.locator("a[href]").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  assert.equal(hrefs.length, 3, hrefs.join(" "));
  for (const href of hrefs) assert.ok(existsSync(join(site, "data-products", href)), href);
  mkdirSync(shotsDir, { recursive: true });
  await p.setViewportSize({ width: 1280, height: 900 });
  await section.screenshot({ path: join(shotsDir, "lineage-product-desktop.png") });
  await p.setViewportSize({ width: 390, height: 844 });
  await p.screenshot({ path: join(shotsDir, "lineage-product-phone.png"), fullPage: true });
  // On a phone the table scrolls inside its region, not the page.
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
  await context.close();
});

test("the lineage page has no serious accessibility violation, light or dark, and is valid HTML", async () => {
  for (const colorScheme of ["light", "dark"]) {
    const context = await browser.newContext({ bypassCSP: true, colorScheme });
    const { page: p } = await openUrl(context, pathToFileURL(join(site, page)).href);
    await p.evaluate(axeSource);
    const result = await p.evaluate(async () => await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    }));
    const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    assert.deepEqual(bad.map((v) => `${colorScheme}: ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`), []);
    await context.close();
  }
  const jar = join(here, "node_modules/vnu-jar/build/dist/vnu.jar");
  try {
    execFileSync("java", ["-jar", jar, "--errors-only", join(site, page)], { stdio: "pipe" });
  } catch (e) {
    assert.fail(`vnu: ${e.stderr?.toString() || e.message}`);
  }
});
