// Suspect links on the site: the example workspace in a git repository with
// every link reviewed, then a goal's target raised the way a pull request
// would raise it, built, and `review.html` and a child's page opened in
// Chromium as a reviewer reads them.
//
//   THROUGHLINE_BIN  the throughline binary (required)
//   EXAMPLE_DIR      the example workspace (required)
//   SHOTS_DIR        where to save screenshots (default: ./screenshots)
//   CHROMIUM         the browser binary (default: /usr/bin/chromium)

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { launch, open as openUrl } from "./browser.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const shotsDir = resolve(process.env.SHOTS_DIR ?? join(here, "screenshots"));
const axeSource = readFileSync(join(here, "node_modules/axe-core/axe.min.js"), "utf8");

let repo, site, browser;

function git(...args) {
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", ...args], { cwd: repo, stdio: "pipe" });
}

function throughline(...args) {
  return execFileSync(process.env.THROUGHLINE_BIN, args, { stdio: "pipe" }).toString();
}

before(async () => {
  repo = mkdtempSync(join(tmpdir(), "throughline-review-"));
  const specs = join(repo, "specs");
  cpSync(process.env.EXAMPLE_DIR, specs, { recursive: true, filter: (p) => !p.includes("_site") && !p.endsWith("throughline.lock") });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "specs");
  throughline("review", specs, "--all");
  git("add", "-A");
  git("commit", "-q", "-m", "review every link");
  const goal = join(specs, "goals/increase-basket-size.yaml");
  const text = readFileSync(goal, "utf8");
  assert.ok(text.includes("target: 2.6"), "the goal's target");
  writeFileSync(goal, text.replace("target: 2.6", "target: 3.0"));
  site = join(repo, "site");
  throughline("build", specs, "-o", site);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (!process.env.KEEP) rmSync(repo, { recursive: true, force: true });
});

const url = (rel) => pathToFileURL(join(site, rel)).href;

const open = (context, rel) => openUrl(context, url(rel));

test("review.html lists each suspect link with the field before and after and what lies below", async () => {
  const context = await browser.newContext();
  const { page, problems, requests } = await open(context, "review.html");
  assert.deepEqual(problems, []);
  assert.deepEqual(requests.filter((r) => !r.startsWith("file://")), []);
  const main = await page.locator("main").innerText();
  assert.match(main, /4 suspect links on 4 entities/);
  // One row per link under the goal, each naming the changed field with both values.
  const rows = page.locator("main table tbody > tr").filter({ hasText: "Increase the average basket size" });
  assert.equal(await rows.count(), 4);
  const row = page.locator("tr#bundle-offers");
  assert.equal(await row.count(), 1, "the child's row is its anchor");
  const rowText = await row.innerText();
  assert.match(rowText, /successIndicators\[Average items per order\]\.target/);
  assert.match(rowText, /2\.6/);
  assert.match(rowText, /3\.0/);
  assert.match(rowText, /reviewed at [0-9a-f]{12}/);
  assert.match(rowText, /9 entities/);
  // What lies below is linked, and every link leads to a page of the site.
  const hrefs = await page.locator("main a[href]").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  assert.ok(hrefs.includes("data-products/basket-affinity.html"), hrefs.join(" "));
  for (const href of hrefs) {
    assert.ok(existsSync(join(site, href.split("#")[0])), `review.html links to missing ${href}`);
  }
  // The navigation counts the links to review.
  assert.equal((await page.locator("nav a[href='review.html']").innerText()).replace(/\s+/g, " ").trim(), "Review 4");
  mkdirSync(shotsDir, { recursive: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: join(shotsDir, "review-desktop.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(shotsDir, "review-phone.png"), fullPage: true });
  await context.close();
});

test("a child's page says review needed and leads to its row on review.html", async () => {
  const context = await browser.newContext();
  const { page, problems } = await open(context, "initiatives/bundle-offers.html");
  assert.deepEqual(problems, []);
  const panel = page.locator(".panel.suspect");
  assert.ok(await panel.isVisible());
  assert.match(await panel.innerText(), /Increase the average basket size changed since the link \(goals\) was reviewed/);
  const badge = page.locator("a.badge.suspect");
  assert.equal((await badge.innerText()).toLowerCase(), "review needed");
  await badge.click();
  assert.ok(page.url().endsWith("/review.html#bundle-offers"), page.url());
  assert.ok(await page.locator("tr#bundle-offers").isVisible());
  // A page with nothing to review has no mark.
  const { page: other } = await open(context, "data-products/basket-affinity.html");
  assert.equal(await other.locator("a.badge.suspect").count(), 0);
  await context.close();
});

test("the review page has no serious accessibility violation, light or dark, and is valid HTML", async () => {
  for (const colorScheme of ["light", "dark"]) {
    const context = await browser.newContext({ bypassCSP: true, colorScheme });
    for (const rel of ["review.html", "initiatives/bundle-offers.html"]) {
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
    execFileSync("java", ["-jar", jar, "--errors-only", join(site, "review.html"), join(site, "initiatives/bundle-offers.html")], { stdio: "pipe" });
  } catch (e) {
    assert.fail(`vnu: ${e.stderr?.toString() || e.message}`);
  }
});
