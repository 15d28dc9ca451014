#!/usr/bin/env bash
# Deploys the storage, training and access stacks (everything but the endpoint).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
usage: scripts/deploy-base.sh [-c key=value ...]

Deploys ${NAME_PREFIX}-storage, ${NAME_PREFIX}-training and ${NAME_PREFIX}-access with the pinned CDK CLI.
Extra arguments go to 'cdk deploy', e.g. -c trainingImageDigest=sha256:... after scripts/push-images.sh,
or -c removalPolicy=destroy. The account must be bootstrapped once: npx cdk bootstrap.
USAGE
}
[[ "${1:-}" == "-h" || "${1:-}" == "--help" ]] && { usage; exit 0; }
need npx "Node.js 20 and npm ci"
need aws "AWS CLI v2"

cdk deploy "${NAME_PREFIX}-storage" "${NAME_PREFIX}-training" "${NAME_PREFIX}-access" \
  --require-approval never "$@"
echo "training state machine: $(stack_output "${NAME_PREFIX}-training" StateMachineArn)"
echo "data bucket:             $(stack_output "${NAME_PREFIX}-storage" DataBucketName)"
