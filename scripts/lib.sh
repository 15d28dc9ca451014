#!/usr/bin/env bash
# Shared helpers for the deploy scripts; sourced, not run. Needs the AWS CLI v2 and credentials
# for the target account (the scripts are the only part of the repo that talks to AWS).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NAME_PREFIX="${FHEML_NAME_PREFIX:-fhe-ml}"
# The project's own CDK bootstrap (scripts/bootstrap.sh): its qualifier (context cdkQualifier, default
# fheml) and toolkit stack, so that it never replaces or uses an account's default CDKToolkit.
CDK_QUALIFIER="${FHEML_CDK_QUALIFIER:-fheml}"
TOOLKIT_STACK="${FHEML_TOOLKIT_STACK:-${NAME_PREFIX}-cdk-toolkit}"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION:-20}"
export CDK_DISABLE_CLI_TELEMETRY=true

die() { echo "error: $*" >&2; exit 1; }

need() { command -v "$1" >/dev/null 2>&1 || die "$1 is required (${2:-install it first})"; }

# cdk CLI pinned in package.json, run from the repository root.
cdk() { (cd "$REPO_ROOT" && npx --no-install cdk "$@"); }

# cdk_context: the -c flags every cdk command of these scripts passes (name prefix and qualifier).
cdk_context() { printf '%s\n' -c "namePrefix=$NAME_PREFIX" -c "cdkQualifier=$CDK_QUALIFIER"; }

# cdk deploy through the project's bootstrap; a change that widens IAM permissions or security groups
# asks for confirmation (--require-approval broadening), so these scripts need a terminal for it.
cdk_deploy() {
  local context
  mapfile -t context < <(cdk_context)
  cdk deploy --require-approval broadening --toolkit-stack-name "$TOOLKIT_STACK" "${context[@]}" "$@"
}

# require_digest KEY ARGS...: the deploy arguments must pin the image with -c KEY=sha256:<64 hex>;
# images are never deployed by tag (a tag such as :latest can point at another image tomorrow).
require_digest() {
  local key="$1" arg; shift
  for arg in "$@"; do
    [[ "$arg" == *":latest"* || "$arg" == *"ImageTag="* ]] \
      && die "images are deployed by digest, never by tag ('$arg'): give -c $key=sha256:... from scripts/push-images.sh"
    [[ "$arg" =~ ^$key=sha256:[0-9a-f]{64}$ ]] && return 0
  done
  die "no image digest: give -c $key=sha256:... (scripts/push-images.sh prints it); images are never deployed by tag"
}

# stack_output STACK OUTPUT_KEY: one CloudFormation output of a deployed stack.
stack_output() {
  local value
  value="$(aws cloudformation describe-stacks --stack-name "$1" \
    --query "Stacks[0].Outputs[?OutputKey=='$2'].OutputValue | [0]" --output text)"
  [[ -n "$value" && "$value" != "None" ]] || die "stack $1 has no output $2 (is it deployed?)"
  printf '%s\n' "$value"
}
