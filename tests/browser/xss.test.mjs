// A workspace full of script-injection attempts, built and opened in
// Chromium: no script from a spec may run, no dialog may open.
//
//   THROUGHLINE_BIN  the throughline binary (required)
//   CHROMIUM         the browser binary (default: /usr/bin/chromium)

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { htmlFiles, launch } from "./browser.mjs";

const X = "window.__xss=1";
const payloads = [
  `<script>${X}</script>`,
  `"><img src=x onerror="${X}">`,
  `'><svg onload=${X}>`,
  `javascript:${X}`,
  `</title><script>${X}</script>`,
  `{{ 7*7 }}{% raw %}<script>${X}</script>`,
];
const md = [
  `Raw HTML: <img src=x onerror="${X}"> <script>${X}</script> <iframe src="javascript:${X}"></iframe>`,
  `[a link](javascript:${X}) [data](data:text/html,<script>${X}</script>) <a href="jav&#x61;script:${X}">x</a>`,
  `<svg><animate onbegin="${X}" attributeName="x"/></svg> <details open ontoggle="${X}">d</details>`,
  "```html\n<script>" + X + "</script>\n```",
].join("\n\n");

function yaml(s) {
  return JSON.stringify(s); // a JSON string is a valid YAML double-quoted scalar
}

let ws, site, browser;

before(async () => {
  ws = mkdtempSync(join(tmpdir(), "throughline-xss-"));
  const p = (i) => yaml(payloads[i % payloads.length]);
  writeFileSync(join(ws, "throughline.toml"), `[site]\ntitle = ${yaml(payloads[4])}\nrepo_url = ${yaml('https://example.com/"><script>' + X + "</script>")}\n`);
  writeFileSync(join(ws, "ns.yaml"), `kind: NorthStar\nid: ns\nname: ${p(0)}\nowner: ${p(1)}\nvision: ${p(2)}\ndescription: ${yaml(md)}\nmetric: {name: ${p(3)}, definition: ${p(4)}, unit: ${p(5)}, direction: increase, target: 1, timeframe: ${p(0)}}\ntags: [${p(1)}, ${p(2)}]\n`);
  writeFileSync(join(ws, "goal.yaml"), `kind: Goal\nid: g\nname: ${p(1)}\ncontributesTo: ns\ndescription: ${yaml(md)}\nsuccessIndicators: [{name: ${p(2)}, unit: ${p(3)}, target: 1, by: 2027-01-01}]\nstatus: active\n`);
  writeFileSync(join(ws, "ini.yaml"), `kind: Initiative\nid: i\nname: ${p(2)}\ngoals: [g]\ndescription: ${yaml(md)}\n`);
  writeFileSync(join(ws, "hyp.yaml"), `kind: Hypothesis\nid: h\nname: ${p(3)}\nstatement: ${p(4)}\ninitiative: i\ngoal: g\nevidence: ${yaml(md)}\n`);
  writeFileSync(join(ws, "uc.yaml"), `kind: UseCase\nid: uc\nname: ${p(4)}\ninitiatives: [i]\nconsumers: [c]\ndataProducts: [dp]\n`);
  writeFileSync(join(ws, "dp.yaml"), `kind: DataProduct\nid: dp\nname: ${p(5)}\nowner: ${p(0)}\ndomain: ${p(1)}\ntype: aggregate\ninputs: [s]\ndescription: ${yaml(md)}\noutputPorts: [{name: ${p(2)}, description: ${p(3)}}]\nusagePatterns: [{consumer: c, frequency: ${p(4)}}]\nslos: [{category: architecture, property: ${p(5)}, target: ${p(0)}}, {category: governance, property: g, target: ${p(1)}}]\nmeasures: [{name: ${p(2)}, definition: ${p(3)}}]\ndimensions: [{name: ${p(4)}, description: ${p(5)}}]\n`);
  writeFileSync(join(ws, "s.yaml"), `kind: Source\nid: s\nname: ${p(0)}\nsystem: ${p(1)}\n`);
  writeFileSync(join(ws, "c.yaml"), `kind: Consumer\nid: c\nname: ${p(2)}\ntype: human\nrole: ${p(3)}\nneeds: [${p(4)}]\n`);
  // File names can carry markup too, and a broken spec puts them in findings.
  writeFileSync(join(ws, `<img src=x onerror=${X}>.yaml`), `kind: Initiative\nid: broken\nname: ${p(0)}\ngoals: [${p(1)}]\n`);
  site = join(ws, "_site");
  execFileSync(process.env.THROUGHLINE_BIN, ["build", ws, "--allow-errors"], { stdio: "pipe" });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (!process.env.KEEP) rmSync(ws, { recursive: true, force: true });
});

test("no script from a spec runs on any page", async () => {
  const files = htmlFiles(site);
  assert.ok(files.length >= 20);
  const context = await browser.newContext();
  for (const file of files) {
    const rel = relative(site, file);
    const html = readFileSync(file, "utf8");
    assert.ok(!/href="\s*(javascript|data):/i.test(html), `${rel} links to javascript: or data:`);
    assert.ok(html.includes('http-equiv="Content-Security-Policy"'), `${rel} has no CSP`);
    const page = await context.newPage();
    const dialogs = [];
    page.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss(); });
    await page.goto(pathToFileURL(file).href);
    // Give event handlers (onerror, onload, ontoggle, animations) a chance.
    await page.waitForTimeout(150);
    for (const link of await page.locator("main a").all()) {
      const href = await link.getAttribute("href");
      assert.ok(!href || !/^\s*(javascript|data):/i.test(href), `${rel}: ${href}`);
    }
    assert.equal(await page.evaluate(() => window.__xss), undefined, `${rel}: a payload ran`);
    // Escaping holds on its own, not only because the CSP blocks inline
    // script: no payload became an element, an event handler or a script.
    const injected = await page.evaluate(() => {
      const found = [];
      for (const el of document.querySelectorAll("*")) {
        for (const attr of el.getAttributeNames()) {
          if (attr.startsWith("on")) found.push(`${el.tagName} ${attr}`);
        }
      }
      // An image stays (sanitized Markdown may show one; the CSP keeps it
      // to the site's own files), its handler does not.
      for (const el of document.querySelectorAll("iframe, animate, object, embed")) {
        found.push(el.outerHTML);
      }
      for (const s of document.querySelectorAll("script")) {
        if (s.textContent.includes("__xss")) found.push("inline script");
      }
      return found;
    });
    assert.deepEqual(injected, [], `${rel}: payload markup in the page`);
    assert.deepEqual(dialogs, [], rel);
    await page.close();
  }
  // Search renders names as text, never as markup.
  const page = await context.newPage();
  await page.goto(pathToFileURL(join(site, "index.html")).href);
  await page.fill("#search-input", "script");
  await page.waitForTimeout(200);
  assert.ok((await page.locator("#search-results li").count()) > 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined, "search ran a payload");
  await context.close();
});
