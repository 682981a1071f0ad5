// The configuration's schema in a real TOML tool: taplo (the engine of
// Even Better TOML) reads the `#:schema` line `throughline init` writes and
// validates throughline.toml against it, as an editor does while typing.
//
//   THROUGHLINE_BIN  the throughline binary (required)

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const taplo = join(here, "node_modules/.bin/taplo");
const bin = process.env.THROUGHLINE_BIN;

// Each test's workspaces, removed when the file's tests are done.
const made = [];
after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function started() {
  const tmp = mkdtempSync(join(tmpdir(), "tl-config-"));
  made.push(tmp);
  const dir = join(tmp, "ws");
  execFileSync(bin, ["init", dir], { stdio: "pipe" });
  return dir;
}

function lint(dir) {
  const r = spawnSync(taplo, ["lint", "throughline.toml"], { cwd: dir, encoding: "utf8" });
  return { code: r.status, out: r.stdout + r.stderr };
}

test("taplo validates the config init writes against its schema", () => {
  const dir = started();
  const text = readFileSync(join(dir, "throughline.toml"), "utf8");
  assert.match(text, /^#:schema \.\/\.throughline\/schemas\/throughline-config\.schema\.json\n/);
  const { code, out } = lint(dir);
  assert.equal(code, 0, out);
});

test("taplo reports what throughline would refuse, at its line", () => {
  const cases = [
    ['[rules]\nunused = "warn"\n', /"warn" is not one of \["error","warning","off"\]/],
    ['[rules]\nstale-revew = "error"\n', /'stale-revew' was unexpected/],
    ['[limits]\nmax-depth = "deep"\n', /"deep" is not of type "integer"/],
    ['[site]\ntitel = "Specs"\n', /'titel' was unexpected/],
  ];
  for (const [body, message] of cases) {
    const dir = started();
    writeFileSync(join(dir, "throughline.toml"), "#:schema ./.throughline/schemas/throughline-config.schema.json\n" + body);
    const { code, out } = lint(dir);
    assert.notEqual(code, 0, body);
    assert.match(out, message);
    assert.match(out, /throughline\.toml:3:/, out);
    // throughline itself refuses the same file (exit 2).
    const check = spawnSync(bin, ["check", dir], { encoding: "utf8" });
    assert.equal(check.status, 2, body + check.stdout + check.stderr);
  }
});

test("every key throughline reads passes taplo", () => {
  const dir = started();
  writeFileSync(join(dir, "throughline.toml"), `#:schema ./.throughline/schemas/throughline-config.schema.json
[rules]
missing-slo = "off"
stale-review = "error"

[site]
title = "Our data products"
repo_url = "https://github.com/acme/specs/edit/main"
templates = "templates"
url = "https://specs.example.com/"

[schemas]
dir = "schemas"

[workspace]
include = ["**/*.yaml"]
exclude = ["**/schema.yml"]

[limits]
max-file-size = 1048576
max-depth = 50
max-alias-nodes = 1000
`);
  const { code, out } = lint(dir);
  assert.equal(code, 0, out);
});
