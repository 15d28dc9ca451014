#!/usr/bin/env bash
# Runs checkov and cfn-lint (pinned in scripts/scanner-requirements.txt, installed into a venv this
# script creates) on synthesized CDK templates and fails on any finding that
# infra/scanner-acknowledgements.json does not acknowledge with a reason. No AWS call, no credentials.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQUIREMENTS="$REPO_ROOT/scripts/scanner-requirements.txt"
ACKNOWLEDGEMENTS="$REPO_ROOT/infra/scanner-acknowledgements.json"

usage() {
  cat <<USAGE
usage: scripts/scan-templates.sh [--strict] CDK_OUT_DIR...

Scans every *.template.json in each CDK_OUT_DIR (e.g. cdk.out, and a removalPolicy=destroy synth) with
checkov (framework cloudformation) and cfn-lint, and checks the findings against
$ACKNOWLEDGEMENTS.
--strict   also fail on an acknowledgement that matches no finding (CI passes both synth modes)
The venv lives in \$FHEML_SCANNER_VENV (default ~/.cache/fhe-ml/scanners-<hash of the requirements>),
so the pinned versions are installed once per machine.
USAGE
}
[[ $# -ge 1 && "$1" != "-h" && "$1" != "--help" ]] || { usage; [[ $# -ge 1 ]] && exit 0; exit 2; }
command -v python3 >/dev/null || { echo "scan-templates: python3 is required" >&2; exit 1; }

hash="$(sha256sum "$REQUIREMENTS" | cut -c1-12)"
venv="${FHEML_SCANNER_VENV:-$HOME/.cache/fhe-ml/scanners-$hash}"
# A venv counts as installed once its stamp exists; a half-installed one is made again.
if [[ ! -f "$venv/installed" ]]; then
  start=$(date +%s)
  echo "scan-templates: installing $(grep -v '^#' "$REQUIREMENTS" | paste -sd ' ') into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  touch "$venv/installed"
  echo "scan-templates: installed in $(( $(date +%s) - start )) s"
fi
"$venv/bin/python" "$REPO_ROOT/scripts/scan_templates.py" --acknowledgements "$ACKNOWLEDGEMENTS" "$@"
