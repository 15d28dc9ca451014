#!/usr/bin/env bash
# Bootstraps CDK for this project in one account and region, without AdministratorAccess: creates or
# updates the scoped CloudFormation execution policies and the permissions boundary from
# policies/bootstrap/, then runs 'cdk bootstrap' with the project's qualifier and toolkit stack and
# only those policies for the CloudFormation execution role.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# policies/bootstrap/<file>.json -> IAM policy <prefix>-<name>; the execution policies are split in
# three because one managed policy holds at most 6,144 characters.
EXECUTION_DOCUMENTS=(cdk-execution-foundation cdk-execution-network cdk-execution-workloads)
BOUNDARY_DOCUMENT=permissions-boundary

usage() {
  cat <<USAGE
usage: scripts/bootstrap.sh [--dry-run]

Once per account and region, before the first deploy (needs IAM rights to create policies and to run
'cdk bootstrap'; the region is the AWS CLI's, e.g. AWS_REGION):
  1. renders policies/bootstrap/*.json with the account, region, partition, name prefix ($NAME_PREFIX)
     and qualifier ($CDK_QUALIFIER) and creates or updates the IAM policies
     ${NAME_PREFIX}-permissions-boundary (the boundary of every role the stacks create) and
     ${NAME_PREFIX}-cdk-execution-{foundation,network,workloads};
  2. runs: cdk bootstrap aws://ACCOUNT/REGION --qualifier $CDK_QUALIFIER --toolkit-stack-name $TOOLKIT_STACK
     --cloudformation-execution-policies <the three execution policies> --termination-protection
--dry-run   print the rendered documents and the commands, change nothing
Override the names with FHEML_NAME_PREFIX, FHEML_CDK_QUALIFIER (and -c cdkQualifier=... on deploys),
FHEML_TOOLKIT_STACK.
USAGE
}
dry_run=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --dry-run) dry_run=1; shift ;;
    *) usage >&2; die "unknown argument $1" ;;
  esac
done
need aws "AWS CLI v2"
need npx "Node.js 20 and npm ci"

identity="$(aws sts get-caller-identity --query Arn --output text)"
account="$(aws sts get-caller-identity --query Account --output text)"
partition="$(cut -d: -f2 <<<"$identity")"
region="${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region || true)}}"
[[ -n "$region" ]] || die "no region: set AWS_REGION"

# render FILE: the document with its {{Placeholders}} filled; any other placeholder is an error.
render() {
  local text
  text="$(sed -e "s/{{Partition}}/$partition/g" -e "s/{{Region}}/$region/g" -e "s/{{AccountId}}/$account/g" \
    -e "s/{{NamePrefix}}/$NAME_PREFIX/g" -e "s/{{CdkQualifier}}/$CDK_QUALIFIER/g" "$1")"
  grep -q '{{' <<<"$text" && die "unfilled placeholder in $1: $(grep -o '{{[A-Za-z]*}}' <<<"$text" | sort -u | tr '\n' ' ')"
  printf '%s\n' "$text"
}

# upsert_policy NAME FILE: creates the managed policy, or makes the document its new default version
# (deleting the oldest non-default version when IAM's limit of five is reached). Prints its ARN.
upsert_policy() {
  local name="$1" file="$2" arn document oldest
  arn="arn:$partition:iam::$account:policy/$name"
  document="$(render "$file")"
  if [[ $dry_run -eq 1 ]]; then
    echo "--- $name ($arn) from $file:" >&2
    printf '%s\n' "$document" >&2
  elif aws iam get-policy --policy-arn "$arn" >/dev/null 2>&1; then
    if [[ "$(aws iam list-policy-versions --policy-arn "$arn" --query 'length(Versions)' --output text)" -ge 5 ]]; then
      oldest="$(aws iam list-policy-versions --policy-arn "$arn" \
        --query 'Versions[?!IsDefaultVersion] | sort_by(@, &CreateDate)[0].VersionId' --output text)"
      aws iam delete-policy-version --policy-arn "$arn" --version-id "$oldest"
    fi
    aws iam create-policy-version --policy-arn "$arn" --policy-document "$document" --set-as-default >/dev/null
    echo "updated $arn" >&2
  else
    aws iam create-policy --policy-name "$name" --policy-document "$document" \
      --description "fhe-ml: from policies/bootstrap/$(basename "$file") (scripts/bootstrap.sh)" >/dev/null
    echo "created $arn" >&2
  fi
  printf '%s\n' "$arn"
}

# The boundary first: the execution policies let CloudFormation create roles only with it.
upsert_policy "${NAME_PREFIX}-permissions-boundary" "$REPO_ROOT/policies/bootstrap/$BOUNDARY_DOCUMENT.json" >/dev/null
execution=()
for document in "${EXECUTION_DOCUMENTS[@]}"; do
  execution+=("$(upsert_policy "${NAME_PREFIX}-${document}" "$REPO_ROOT/policies/bootstrap/$document.json")")
done
policies="$(IFS=,; echo "${execution[*]}")"

command=(cdk bootstrap "aws://$account/$region" --qualifier "$CDK_QUALIFIER" --toolkit-stack-name "$TOOLKIT_STACK"
  --cloudformation-execution-policies "$policies" --termination-protection)
if [[ $dry_run -eq 1 ]]; then
  echo "would run: npx ${command[*]}"
  exit 0
fi
"${command[@]}"
echo "bootstrapped $account/$region: qualifier $CDK_QUALIFIER, toolkit stack $TOOLKIT_STACK; deploy with scripts/deploy-base.sh"
