#!/usr/bin/env bash
# Shared helpers for the deploy scripts; sourced, not run. Needs the AWS CLI v2 and credentials
# for the target account (the scripts are the only part of the repo that talks to AWS).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NAME_PREFIX="${FHEML_NAME_PREFIX:-fhe-ml}"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION:-20}"
export CDK_DISABLE_CLI_TELEMETRY=true

die() { echo "error: $*" >&2; exit 1; }

need() { command -v "$1" >/dev/null 2>&1 || die "$1 is required (${2:-install it first})"; }

# cdk CLI pinned in package.json, run from the repository root.
cdk() { (cd "$REPO_ROOT" && npx --no-install cdk "$@"); }

# stack_output STACK OUTPUT_KEY: one CloudFormation output of a deployed stack.
stack_output() {
  local value
  value="$(aws cloudformation describe-stacks --stack-name "$1" \
    --query "Stacks[0].Outputs[?OutputKey=='$2'].OutputValue | [0]" --output text)"
  [[ -n "$value" && "$value" != "None" ]] || die "stack $1 has no output $2 (is it deployed?)"
  printf '%s\n' "$value"
}
