// `throughline serve` in a real browser: the page reloads after an edit, and
// a broken spec shows its errors as an overlay until the next good save.
//
//   THROUGHLINE_BIN  the throughline binary (required)
//   EXAMPLE_DIR      a workspace to copy (required)
//   CHROMIUM         the browser binary (default: /usr/bin/chromium)

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launch } from "./browser.mjs";

const bin = process.env.THROUGHLINE_BIN;
const example = process.env.EXAMPLE_DIR;
let browser, server, base, ws;

before(async () => {
  ws = mkdtempSync(join(tmpdir(), "throughline-serve-"));
  cpSync(example, ws, { recursive: true });
  rmSync(join(ws, "_site"), { recursive: true, force: true });
  server = spawn(bin, ["serve", ws, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  base = await new Promise((resolve, reject) => {
    let out = "";
    server.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) resolve(m[0]);
    });
    server.on("exit", (code) => reject(new Error(`serve exited with ${code}`)));
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.kill("SIGINT");
  rmSync(ws, { recursive: true, force: true });
});

test("an edit reloads the page; a broken spec shows an overlay until fixed", async () => {
  const page = await browser.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(base + "goals/grow-attach-rate.html");
  assert.equal(await page.locator("h1").textContent(), "Grow the accessory attach rate");
  // Wait until the live-reload stream is open.
  await page.waitForFunction(() => document.documentElement.dataset.live === "connected");

  const spec = join(ws, "goals/grow-attach-rate.yaml");
  const original = readFileSync(spec, "utf8");
  writeFileSync(spec, original.replace("name: Grow the accessory attach rate", "name: Grow the attach rate"));
  await page.waitForFunction(() => document.querySelector("h1")?.textContent === "Grow the attach rate", null, { timeout: 15000 });

  writeFileSync(join(ws, "goals/broken.yaml"), "kind: Initiative\nid: i9\nname: I9\ngoals: [nope]\n");
  const overlay = page.locator(".tl-overlay");
  await overlay.waitFor({ timeout: 15000 });
  assert.match(await overlay.textContent(), /broken-ref/);

  rmSync(join(ws, "goals/broken.yaml"));
  await overlay.waitFor({ state: "detached", timeout: 15000 });
  assert.deepEqual(problems, []);
});
