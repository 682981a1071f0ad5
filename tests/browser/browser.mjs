// What the browser tests share: starting Chromium, and finding a site's pages.
//
//   CHROMIUM   the browser binary (default: /usr/bin/chromium)

import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

/// Headless Chromium with nothing of its own talking to the network, so the
/// only requests a test sees are the ones a page makes.
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

/// Every `.html` file under `dir`, sorted.
export function htmlFiles(dir) {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return htmlFiles(path);
      return name.endsWith(".html") ? [path] : [];
    })
    .sort();
}

/// Opens `url` in a new page of `context`, recording what goes wrong on it
/// (console errors, page errors) and every request it makes.
export async function open(context, url) {
  const page = await context.newPage();
  const problems = [];
  const requests = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(url, { waitUntil: "load" });
  return { page, problems, requests };
}
