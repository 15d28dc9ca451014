#!/usr/bin/env bash
# Builds the training and inference images with Jib (no Docker) and pushes them to the ECR
# repositories of the storage stack, then prints the digests to deploy with.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# Jib's version and the images' settings are in the POMs (parent pluginManagement).
JIB="jib:build"
TRAINING_MODULE="${TRAINING_MODULE:-training-container}"
INFERENCE_MODULE="${INFERENCE_MODULE:-inference-container}"

usage() {
  cat <<USAGE
usage: scripts/push-images.sh [--tag TAG] [--base tar:///path/base.tar] [training|inference ...]

Pushes the images of \$TRAINING_MODULE ($TRAINING_MODULE) and \$INFERENCE_MODULE ($INFERENCE_MODULE)
(default: both) to the repositories named in the ${NAME_PREFIX}-storage outputs, tagged TAG
(default: the git commit; tags are immutable, so a tag is pushed once). --base is Jib's base image
(-Djib.from.image), e.g. tar://\$HOME/.cache/fhe-ml/base/bookworm-jre17.tar from
scripts/build-base-image.sh (the default is the POMs' fheml.base.image; see README "Containers").
Prints the -c ...ImageDigest=sha256:... flags for deploy-base.sh and deploy-endpoint.sh.
The ECR password is handed to Jib through a temporary DOCKER_CONFIG, never on the command line.
USAGE
}

tag="$(git -C "$REPO_ROOT" rev-parse --short=12 HEAD 2>/dev/null || date +%Y%m%d%H%M%S)"
base=""
images=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --tag) tag="$2"; shift 2 ;;
    --base) base="$2"; shift 2 ;;
    training|inference) images+=("$1"); shift ;;
    *) usage >&2; die "unknown argument $1" ;;
  esac
done
[[ ${#images[@]} -gt 0 ]] || images=(training inference)
need aws "AWS CLI v2"

docker_config="$(mktemp -d)"
trap 'rm -rf "$docker_config"' EXIT
registry="$(stack_output "${NAME_PREFIX}-storage" TrainingRepositoryUri | cut -d/ -f1)"
auth="$(printf 'AWS:%s' "$(aws ecr get-login-password)" | base64 -w0)"
umask 077
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$registry" "$auth" > "$docker_config/config.json"

for image in "${images[@]}"; do
  if [[ "$image" == training ]]; then
    module="$TRAINING_MODULE"; output=TrainingRepositoryUri; key=trainingImageDigest
  else
    module="$INFERENCE_MODULE"; output=InferenceRepositoryUri; key=inferenceImageDigest
  fi
  [[ -f "$REPO_ROOT/$module/pom.xml" ]] || die "no module $module (set ${image^^}_MODULE)"
  repository="$(stack_output "${NAME_PREFIX}-storage" "$output")"
  args=(-q -pl "$module" -am -DskipTests package "$JIB" -Djib.to.image="$repository:$tag")
  [[ -n "$base" ]] && args+=(-Djib.from.image="$base")
  (cd "$REPO_ROOT" && DOCKER_CONFIG="$docker_config" ./mvnw "${args[@]}")
  digest="$(cat "$REPO_ROOT/$module/target/jib-image.digest")"
  echo "$image: $repository:$tag"
  echo "  -c $key=$digest"
done
