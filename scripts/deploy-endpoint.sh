#!/usr/bin/env bash
# Deploys the endpoint stack for one trained model and waits until the endpoint is InService.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
usage: scripts/deploy-endpoint.sh MODEL_DATA_URL [-c key=value ...]

MODEL_DATA_URL is the modelDataUrl printed by scripts/start-training.sh
(s3://<artifact bucket>/models/<job>/output/model.tar.gz). Extra arguments go to 'cdk deploy',
-c inferenceImageDigest=sha256:... from scripts/push-images.sh is required (images are never deployed
by tag); e.g. also -c maxInstances=4.
USAGE
}
[[ $# -ge 1 && "$1" != "-h" && "$1" != "--help" ]] || { usage; [[ $# -ge 1 ]] && exit 0; exit 2; }
model="$1"; shift
[[ "$model" =~ ^s3://[a-z0-9.-]+/.+model\.tar\.gz$ ]] || die "not an s3://.../model.tar.gz URL: $model"
require_digest inferenceImageDigest "$@"
need npx "Node.js 20 and npm ci"
need aws "AWS CLI v2"

cdk_deploy "${NAME_PREFIX}-endpoint" -c "modelDataUrl=$model" "$@"
endpoint="$(stack_output "${NAME_PREFIX}-endpoint" EndpointName)"
aws sagemaker wait endpoint-in-service --endpoint-name "$endpoint"
bucket="$(stack_output "${NAME_PREFIX}-storage" ExchangeBucketName)"
region="$(aws configure get region || true)"
queue=""
if aws cloudformation describe-stacks --stack-name "${NAME_PREFIX}-endpoint" \
    --query "Stacks[0].Outputs[?OutputKey=='NotificationQueueUrl'].OutputValue | [0]" --output text | grep -q '^https'; then
  queue=" --notification-queue $(stack_output "${NAME_PREFIX}-endpoint" NotificationQueueUrl)"
fi
echo "endpoint $endpoint is InService; next, as the ${NAME_PREFIX}-client role:"
echo "  ./fhe-ml smoke-test --bucket $bucket --endpoint $endpoint --region ${region:-<region>} --model-id <modelId from scripts/start-training.sh>$queue"
