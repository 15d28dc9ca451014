#!/usr/bin/env bash
# Deploys the storage, training and access stacks (everything but the endpoint).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
usage: scripts/deploy-base.sh [-c trainingImageDigest=sha256:...] [-c key=value ...]

Deploys ${NAME_PREFIX}-storage, then ${NAME_PREFIX}-training and ${NAME_PREFIX}-access, with the pinned CDK CLI.
The training stack pins the training image by digest: without -c trainingImageDigest=sha256:... (printed
by scripts/push-images.sh) only the storage stack is deployed (it holds the ECR repositories to push to).
Extra arguments go to 'cdk deploy', e.g. -c removalPolicy=destroy. The account must be bootstrapped
once with scripts/bootstrap.sh (the project's qualifier and scoped execution policy).
USAGE
}
[[ "${1:-}" == "-h" || "${1:-}" == "--help" ]] && { usage; exit 0; }
need npx "Node.js 20 and npm ci"
need aws "AWS CLI v2"

if [[ " $* " != *" trainingImageDigest="* ]]; then
  cdk_deploy "${NAME_PREFIX}-storage" "$@"
  echo "storage deployed. Next: scripts/push-images.sh, then"
  echo "  scripts/deploy-base.sh -c trainingImageDigest=sha256:...   (the digest it prints)"
  exit 0
fi
require_digest trainingImageDigest "$@"
cdk_deploy "${NAME_PREFIX}-storage" "${NAME_PREFIX}-training" "${NAME_PREFIX}-access" "$@"
echo "training state machine: $(stack_output "${NAME_PREFIX}-training" StateMachineArn)"
echo "data bucket:             $(stack_output "${NAME_PREFIX}-storage" DataBucketName)"
