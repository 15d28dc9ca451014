#!/usr/bin/env bash
# Starts the training state machine, waits for it and prints the model data URL.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
usage: scripts/start-training.sh [--data DIR] [--hyperparameters JSON] [--name NAME]

--data DIR            upload DIR to the data bucket's training prefix first (aws s3 sync)
--hyperparameters J   a JSON object of string values handed to the training job (default {})
--name NAME           execution name, at most 36 of [A-Za-z0-9-] (default: a UUID); the training
                      job is named ${NAME_PREFIX}-train-NAME
Prints modelDataUrl (for deploy-endpoint.sh), the model id and where client.zip was published.
USAGE
}
data=""; hyper="{}"; name=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --data) data="$2"; shift 2 ;;
    --hyperparameters) hyper="$2"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    *) usage >&2; die "unknown argument $1" ;;
  esac
done
need aws "AWS CLI v2"
[[ -z "$name" || "$name" =~ ^[A-Za-z0-9-]{1,36}$ ]] || die "--name must be 1-36 of [A-Za-z0-9-]"

if [[ -n "$data" ]]; then
  bucket="$(stack_output "${NAME_PREFIX}-storage" DataBucketName)"
  aws s3 sync "$data" "s3://$bucket/${TRAINING_DATA_PREFIX:-train/}"
fi
machine="$(stack_output "${NAME_PREFIX}-training" StateMachineArn)"
input="$(printf '{"hyperparameters":%s}' "$hyper")"
start=(aws stepfunctions start-execution --state-machine-arn "$machine" --input "$input"
  --query executionArn --output text)
[[ -n "$name" ]] && start+=(--name "$name")
execution="$("${start[@]}")"
echo "execution: $execution"
while true; do
  status="$(aws stepfunctions describe-execution --execution-arn "$execution" --query status --output text)"
  case "$status" in
    RUNNING) sleep 30 ;;
    SUCCEEDED) break ;;
    *) die "training execution ended $status; see: aws stepfunctions get-execution-history --execution-arn $execution" ;;
  esac
done
aws stepfunctions describe-execution --execution-arn "$execution" --query output --output text
