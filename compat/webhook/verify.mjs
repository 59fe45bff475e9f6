// Runs the README's JavaScript webhook check against fixture.json.
//
// The check is not copied here: the block that follows the marker comment in README.md is
// imported as written, so the README cannot drift from what is tested. `Date.now` is
// replaced, so the fixed vector stays valid. Usage: node verify.mjs (cargo xtask compat
// runs it).

import { readFileSync } from "node:fs";

const here = new URL(".", import.meta.url);
const readme = new URL("../../README.md", here);
const marker = "<!-- compat/webhook/verify.mjs runs the next block -->";

function readmeBlock() {
  const text = readFileSync(readme, "utf8");
  const start = text.indexOf(marker);
  const block = /^\s*```[a-z]*\n([\s\S]*?)\n```/;
  const found = start < 0 ? null : block.exec(text.slice(start + marker.length));
  if (!found) {
    console.error(`${readme.pathname}: no code block after ${JSON.stringify(marker)}`);
    process.exit(1);
  }
  return found[1];
}

const fixture = JSON.parse(readFileSync(new URL("fixture.json", here), "utf8"));
const body = Buffer.from(fixture.body, "utf8");
const signedAt = Number(fixture.timestamp);
const { verifyWebhook } = await import(
  `data:text/javascript;charset=utf-8,${encodeURIComponent(readmeBlock())}`
);

let clock = 0;
Date.now = () => clock * 1000;

function check(expected, { now = signedAt, ...changes } = {}) {
  clock = now;
  const args = { ...fixture, body, ...changes };
  return verifyWebhook(args.secret, args.timestamp, args.signature, args.body) === expected;
}

const results = [];
function testCase(name, expected, changes) {
  const passed = check(expected, changes);
  console.log(`${passed ? "ok" : "FAILED"}: ${name}`);
  results.push(passed);
}

function flipped(index) {
  const changed = Buffer.from(body);
  changed[index] ^= 0x01;
  return changed;
}

testCase("the fixture passes", true);
testCase("the fixture passes 5 minutes later", true, { now: signedAt + 300 });
testCase("the fixture passes 5 minutes early", true, { now: signedAt - 300 });
testCase("an expired timestamp fails", false, { now: signedAt + 301 });
testCase("a timestamp from the future fails", false, { now: signedAt - 301 });
testCase("a changed timestamp fails", false, { timestamp: String(signedAt + 1) });
testCase("a wrong secret fails", false, { secret: `${fixture.secret}x` });
testCase("an uppercase signature fails", false, { signature: fixture.signature.toUpperCase() });
testCase("a missing signature fails", false, { signature: undefined });
testCase("a missing timestamp fails", false, { timestamp: undefined });
const unnoticed = [...body.keys()].filter((index) => !check(false, { body: flipped(index) }));
console.log(
  `${unnoticed.length ? "FAILED" : "ok"}: each of the ${body.length} body bytes changed fails` +
    (unnoticed.length ? ` (${unnoticed.length} pass, the first at byte ${unnoticed[0]})` : ""),
);
results.push(unnoticed.length === 0);

if (results.includes(false)) {
  console.error("the README's JavaScript webhook check failed");
  process.exit(1);
}
console.log("the README's JavaScript webhook check passed");
