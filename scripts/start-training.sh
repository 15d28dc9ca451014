#!/usr/bin/env bash
# Starts the training state machine (training, or importing an ONNX model), waits for it and prints
# the model data URL.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# The data bucket prefixes the stacks were deployed with (context trainingDataPrefix, importModelPrefix).
TRAINING_DATA_PREFIX="${TRAINING_DATA_PREFIX:-train/}"
IMPORT_MODEL_PREFIX="${IMPORT_MODEL_PREFIX:-import/}"

usage() {
  cat <<USAGE
usage: scripts/start-training.sh [--data DIR] [--onnx FILE] [--hyperparameters JSON] [--name NAME]

--data DIR            upload DIR to the data bucket's training prefix first (aws s3 sync):
                      the training data, or with --onnx the calibration data
--onnx FILE           import this ONNX model instead of training: delete every object under the
                      data bucket's import prefix, upload FILE there (the job's channel 'model'
                      must hold exactly one .onnx file) and start the execution with "import": true
--hyperparameters J   a JSON object of string values handed to the job (default {}); an import
                      takes the import's hyperparameters (e.g. finetune_epochs, input_normalize,
                      input_shape) and refuses the trainer's (model, hidden, epochs, ...)
--name NAME           execution name, at most 36 of [A-Za-z0-9-] (default: a UUID); the training
                      job is named ${NAME_PREFIX}-train-NAME
Prefixes: TRAINING_DATA_PREFIX (now $TRAINING_DATA_PREFIX) and IMPORT_MODEL_PREFIX (now
$IMPORT_MODEL_PREFIX); set them if the stacks were deployed with other trainingDataPrefix or
importModelPrefix context values.
Prints modelDataUrl (for deploy-endpoint.sh), the model id and where client.zip was published.
USAGE
}
data=""; onnx=""; hyper="{}"; name=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --data) data="$2"; shift 2 ;;
    --onnx) onnx="$2"; shift 2 ;;
    --hyperparameters) hyper="$2"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    *) usage >&2; die "unknown argument $1" ;;
  esac
done
need aws "AWS CLI v2"
[[ -z "$name" || "$name" =~ ^[A-Za-z0-9-]{1,36}$ ]] || die "--name must be 1-36 of [A-Za-z0-9-]"
for prefix in "$TRAINING_DATA_PREFIX" "$IMPORT_MODEL_PREFIX"; do
  [[ "$prefix" =~ ^([A-Za-z0-9!_.()-]+/)+$ ]] || die "prefix '$prefix' must be like train/ (as the context key)"
done
if [[ -n "$onnx" ]]; then
  [[ -f "$onnx" ]] || die "--onnx $onnx is not a file"
  [[ "${onnx,,}" == *.onnx ]] || die "--onnx $onnx must end in .onnx (the job reads the one .onnx file of its channel)"
fi

if [[ -n "$data" || -n "$onnx" ]]; then
  bucket="$(stack_output "${NAME_PREFIX}-storage" DataBucketName)"
fi
if [[ -n "$data" ]]; then
  aws s3 sync "$data" "s3://$bucket/$TRAINING_DATA_PREFIX"
fi
if [[ -n "$onnx" ]]; then
  # The channel is every object under the prefix: remove the previous model (and anything else) first.
  aws s3 rm "s3://$bucket/$IMPORT_MODEL_PREFIX" --recursive
  aws s3 cp "$onnx" "s3://$bucket/$IMPORT_MODEL_PREFIX$(basename "$onnx")"
fi
machine="$(stack_output "${NAME_PREFIX}-training" StateMachineArn)"
if [[ -n "$onnx" ]]; then
  input="$(printf '{"hyperparameters":%s,"import":true}' "$hyper")"
else
  input="$(printf '{"hyperparameters":%s}' "$hyper")"
fi
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
