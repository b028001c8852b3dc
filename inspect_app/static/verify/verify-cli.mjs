#!/usr/bin/env node
// node verify-cli.mjs FILE [--commitment HASH]: verify a record file with the browser's
// verifier (verify.js) and print its report as JSON; exit 0 when no step failed, 1 otherwise.
import { readFileSync } from "node:fs";
import { verifyText } from "./verify.js";

const args = process.argv.slice(2);
const at = args.indexOf("--commitment");
const announced = at >= 0 ? args[at + 1] : null;
const file = args.find((a, i) => !a.startsWith("--") && (at < 0 || i !== at + 1));
if (!file) {
  process.stderr.write("usage: node verify-cli.mjs FILE [--commitment HASH]\n");
  process.exit(2);
}
const started = performance.now();
const report = await verifyText(readFileSync(file, "utf8"), { announced });
report.milliseconds = Math.round(performance.now() - started);
process.stdout.write(`${JSON.stringify(report, null, 1)}\n`);
process.exit(report.ok ? 0 : 1);
