// `build --since`: the example workspace in a git repository, changed the way
// a pull request would change it, built with --since, and the changes page
// opened in Chromium as a reviewer reads it.
//
//   THROUGHLINE_BIN  the throughline binary (required)
//   EXAMPLE_DIR      the example workspace (required)
//   SHOTS_DIR        where to save screenshots (default: ./screenshots)
//   CHROMIUM         the browser binary (default: /usr/bin/chromium)

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
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

function edit(rel, from, to) {
  const path = join(repo, "specs", rel);
  const text = readFileSync(path, "utf8");
  assert.ok(text.includes(from), `${rel} has no ${from}`);
  writeFileSync(path, text.replace(from, to));
}

before(async () => {
  repo = mkdtempSync(join(tmpdir(), "throughline-changes-"));
  cpSync(process.env.EXAMPLE_DIR, join(repo, "specs"), { recursive: true, filter: (p) => !p.includes("_site") });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "specs");
  edit("goals/grow-attach-rate.yaml", "target: 20", "target: 18");
  edit("data-products/basket-affinity.yaml", "  - name: category_pairs\n    type: table\n", "");
  edit("hypotheses/bundles-grow-baskets.yaml", "status: untested", "status: invalidated");
  writeFileSync(join(repo, "specs/initiatives/loyalty-bundles.yaml"),
    "kind: Initiative\nid: loyalty-bundles\nname: Loyalty bundles\nstatus: proposed\ngoals: [increase-basket-size]\n");
  unlinkSync(join(repo, "specs/hypotheses/seasonal-bundles.yaml"));
  site = join(repo, "site");
  execFileSync(process.env.THROUGHLINE_BIN, ["build", join(repo, "specs"), "-o", site, "--since", "main"], { stdio: "pipe" });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (!process.env.KEEP) rmSync(repo, { recursive: true, force: true });
});

const url = (rel) => pathToFileURL(join(site, rel)).href;

const open = (context, rel) => openUrl(context, url(rel));

test("the changes page shows what changed, linked to the pages, with nothing remote", async () => {
  const context = await browser.newContext();
  const { page, problems, requests } = await open(context, "changes.html");
  assert.deepEqual(problems, []);
  assert.deepEqual(requests.filter((r) => !r.startsWith("file://")), []);
  const text = await page.locator("main").innerText();
  assert.match(text, /Changes since main/);
  assert.match(text, /Breaking changes/);
  assert.match(text, /output port category_pairs removed while use case bundle-design lists the product \(1 more uses it\)/);
  assert.match(text, /lowered from 20 to 18/);
  // Code spans of the messages are code on the page.
  assert.ok(await page.locator("section.panel td code", { hasText: "category_pairs" }).count() >= 1);
  assert.match(text, /the hypothesis is now invalidated/);
  // Every link on the page leads to a file of the site.
  const hrefs = await page.locator("main a[href]").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  assert.ok(hrefs.length > 10, hrefs.join(" "));
  for (const href of hrefs) {
    assert.ok(existsSync(join(site, href.split("#")[0])), `changes.html links to missing ${href}`);
  }
  assert.ok(hrefs.includes("initiatives/loyalty-bundles.html"));
  // The removed hypothesis has no page: it is named, struck through.
  const removed = page.locator("section[aria-labelledby=removed-title] .ref.removed");
  assert.equal(await removed.count(), 1);
  assert.equal(await removed.evaluate((e) => getComputedStyle(e).textDecorationLine), "line-through");
  // The field table of a small change is open.
  assert.ok(await page.locator("table.field-changes >> text=successIndicators[Orders with an attached accessory].target").first().isVisible());
  mkdirSync(shotsDir, { recursive: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: join(shotsDir, "changes-desktop.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(shotsDir, "changes-phone.png"), fullPage: true });
  await context.close();
});

test("new and changed badges lead to the changes page, and the overview says what changed", async () => {
  const context = await browser.newContext();
  for (const [rel, badge] of [["initiatives/loyalty-bundles.html", "new"], ["goals/grow-attach-rate.html", "changed"], ["initiatives/index.html", "new"]]) {
    const { page, problems } = await open(context, rel);
    assert.deepEqual(problems, [], rel);
    const b = page.locator(`a.badge.${badge}`).first();
    assert.ok(await b.isVisible(), `${rel} shows ${badge}`);
    await b.click();
    assert.ok(page.url().endsWith("/changes.html"), page.url());
    await page.close();
  }
  const { page } = await open(context, "index.html");
  assert.match(await page.locator("main").innerText(), /Changes since main: 1 breaking change/);
  assert.equal(await page.locator("nav a[href='changes.html']").count(), 1);
  await context.close();
});

test("the changes page has no serious accessibility violation, light or dark, and is valid HTML", async () => {
  for (const colorScheme of ["light", "dark"]) {
    const context = await browser.newContext({ bypassCSP: true, colorScheme });
    for (const rel of ["changes.html", "goals/grow-attach-rate.html"]) {
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
    execFileSync("java", ["-jar", jar, "--errors-only", join(site, "changes.html"), join(site, "index.html")], { stdio: "pipe" });
  } catch (e) {
    assert.fail(`vnu: ${e.stderr?.toString() || e.message}`);
  }
});
