#!/usr/bin/env bash
# The GitHub Action's step (action.yml): runs `tenant-scope check` once, writing SARIF for code
# scanning and printing the summary; the project's own @tenant-scope/sql-lint when installed, else
# the given version from npm. Writes exit-code and sarif-file to $GITHUB_OUTPUT (or stdout).
set -uo pipefail

path="${TENANT_SCOPE_PATH:-.}"
version="${TENANT_SCOPE_VERSION:-latest}"
read -r -a extra <<<"${TENANT_SCOPE_ARGS:-}"
out="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/tenant-scope.sarif"

if [ -x node_modules/.bin/tenant-scope ]; then
  cli=(node_modules/.bin/tenant-scope)
else
  cli=(npx --yes --package "@tenant-scope/sql-lint@${version}" -- tenant-scope)
fi

# The summary (stderr) goes to the log; the findings go to the SARIF file.
"${cli[@]}" check "$path" --format sarif "${extra[@]}" >"$out"
code=$?
if [ "$code" -eq 2 ]; then
  echo "::error title=tenant-scope::tenant-scope check could not run (exit 2); see the message above"
  out=""
fi

{
  echo "exit-code=$code"
  echo "sarif-file=$out"
} >>"${GITHUB_OUTPUT:-/dev/stdout}"
exit 0
