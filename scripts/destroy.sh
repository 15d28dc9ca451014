#!/usr/bin/env bash
# Destroys every stack of the app and lists what a removalPolicy=retain deployment leaves behind.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
usage: scripts/destroy.sh [-c key=value ...]

Runs 'npx cdk destroy --all --force' (same context as the deploy, e.g. -c removalPolicy=destroy).
With removalPolicy=retain (the default) the buckets, the KMS key, the ECR repositories and the log
groups stay; this script lists them afterwards (see docs/infrastructure.md, "After destroy").
USAGE
}
[[ "${1:-}" == "-h" || "${1:-}" == "--help" ]] && { usage; exit 0; }
need npx "Node.js 20 and npm ci"
need aws "AWS CLI v2"

# Read the names before the stacks (and their outputs) are gone.
retained=()
for key in ArtifactBucketName DataBucketName ExchangeBucketName AccessLogBucketName KeyArn \
           TrainingRepositoryUri InferenceRepositoryUri; do
  value="$(stack_output "${NAME_PREFIX}-storage" "$key" 2>/dev/null || true)"
  [[ -n "$value" ]] && retained+=("$key: $value")
done

mapfile -t context < <(cdk_context)
cdk destroy --all --force --toolkit-stack-name "$TOOLKIT_STACK" "${context[@]}" "$@"

if [[ " $* " == *"removalPolicy=destroy"* ]]; then
  echo "removalPolicy=destroy: buckets and repositories were emptied and deleted; the KMS key is"
  echo "scheduled for deletion (30-day window, cancellable with aws kms cancel-key-deletion)."
else
  echo "Retained (removalPolicy=retain), delete by hand when no longer needed:"
  printf '  %s\n' "${retained[@]}"
  echo "  log groups: /aws/sagemaker/Endpoints/${NAME_PREFIX}-endpoint, /aws/sagemaker/TrainingJobs,"
  echo "              /aws/vendedlogs/states/${NAME_PREFIX}-training, /aws/lambda/${NAME_PREFIX}-publish-client"
fi
