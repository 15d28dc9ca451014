"""Second and third opinions on the synthesized templates: checkov and cfn-lint.

Runs both scanners on the CloudFormation templates of one or more cloud assemblies (cdk.out
folders), compares every finding with the acknowledgements in infra/scanner-acknowledgements.json
and exits 1 when a finding is not acknowledged, an acknowledgement has no real reason (at least 40
characters), or (with --strict) an acknowledgement matches nothing any more.

An acknowledgement names the tool's check or rule, the template (stack name) and the resource's
logical id prefix (CDK appends a hash), like the per-resource cdk-nag acknowledgements in
NagReview. Used by .ci/run through scripts/scan-templates.sh, which installs the pinned scanners.
"""
import argparse
import glob
import json
import os
import subprocess
import sys

MIN_REASON = 40
TOOLS = ("checkov", "cfn-lint")


def templates(paths):
    found = []
    for path in paths:
        if os.path.isdir(path):
            found.extend(sorted(glob.glob(os.path.join(path, "*.template.json"))))
        else:
            found.append(path)
    if not found:
        sys.exit("scan-templates: no *.template.json in " + " ".join(paths))
    return found


def stack_of(path):
    return os.path.basename(path)[: -len(".template.json")]


def run_checkov(files):
    """Failed checks as (check, stack, logical id, text) and the passed count."""
    command = [os.path.join(os.path.dirname(sys.executable), "checkov"), "--framework", "cloudformation",
               "--output", "json", "--skip-download", "--compact"]
    for f in files:
        command += ["--file", f]
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE")
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode not in (0, 1):
        sys.exit("checkov failed (%d): %s" % (result.returncode, result.stderr[-2000:]))
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    findings, passed = [], 0
    for part in reports:
        if part.get("check_type") != "cloudformation":
            continue
        passed += part["summary"]["passed"]
        if part["summary"].get("parsing_errors"):
            sys.exit("checkov could not parse %d template(s)" % part["summary"]["parsing_errors"])
        for check in part["results"]["failed_checks"]:
            logical_id = check["resource"].split(".", 1)[1]
            findings.append((check["check_id"], stack_of(check["file_abs_path"]), logical_id,
                             check["check_name"]))
    return findings, passed


def run_cfn_lint(files):
    """Every match as (rule, stack, logical id, text); level per finding in the text."""
    command = [os.path.join(os.path.dirname(sys.executable), "cfn-lint"), "--format", "json", "--"] + files
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode not in (0, 2, 4, 6, 8, 10, 12, 14):
        sys.exit("cfn-lint failed (%d): %s" % (result.returncode, result.stderr[-2000:]))
    findings = []
    for match in json.loads(result.stdout or "[]"):
        path = match["Location"]["Path"] or []
        logical_id = path[1] if len(path) > 1 and path[0] == "Resources" else "/".join(map(str, path))
        findings.append((match["Rule"]["Id"], stack_of(match["Filename"]), logical_id,
                         "%s: %s" % (match["Level"], match["Message"])))
    return findings


def load_acknowledgements(path):
    with open(path, encoding="utf-8") as f:
        config = json.load(f)
    problems = []
    for tool in TOOLS:
        for ack in config.get(tool, []):
            for field in ("check", "template", "resource", "reason"):
                if not isinstance(ack.get(field), str) or not ack[field]:
                    problems.append("%s acknowledgement without %s: %s" % (tool, field, ack))
            if len(ack.get("reason", "")) < MIN_REASON:
                problems.append("%s %s on %s: give a reason a reviewer can check (at least %d characters)"
                                % (tool, ack.get("check"), ack.get("resource"), MIN_REASON))
    unknown = set(config) - set(TOOLS) - {"comment"}
    if unknown:
        problems.append("unknown sections: %s" % sorted(unknown))
    return config, problems


def acknowledged(acks, finding):
    check, stack, logical_id, _ = finding
    for ack in acks:
        if ack["check"] == check and ack["template"] == stack and logical_id.startswith(ack["resource"]):
            return ack
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--acknowledgements", required=True)
    parser.add_argument("--strict", action="store_true", help="an acknowledgement that matches nothing fails")
    parser.add_argument("paths", nargs="+", help="cdk.out folders or template files")
    args = parser.parse_args()

    config, problems = load_acknowledgements(args.acknowledgements)
    used = set()
    unacknowledged = []
    for path in args.paths:
        files = templates([path])
        checkov_findings, checkov_passed = run_checkov(files)
        lint_findings = run_cfn_lint(files)
        counts = {}
        for tool, findings in (("checkov", checkov_findings), ("cfn-lint", lint_findings)):
            acks = config.get(tool, [])
            skipped = 0
            for finding in findings:
                ack = acknowledged(acks, finding)
                if ack is None:
                    unacknowledged.append((tool,) + finding)
                else:
                    skipped += 1
                    used.add((tool, id(ack)))
            counts[tool] = (len(findings) - skipped, skipped)
        errors = sum(1 for f in lint_findings
                     if f[3].startswith("Error") and not acknowledged(config.get("cfn-lint", []), f))
        print("== %s (%d templates)" % (path, len(files)))
        print("checkov %s (framework cloudformation): %d checks passed, %d failures unacknowledged,"
              " %d failures acknowledged with a reason (skipped)"
              % (_version("checkov"), checkov_passed, counts["checkov"][0], counts["checkov"][1]))
        print("cfn-lint %s: %d matches unacknowledged (%d errors), %d matches acknowledged with a reason"
              % (_version("cfn-lint"), counts["cfn-lint"][0], errors, counts["cfn-lint"][1]))
    for tool, check, stack, logical_id, text in unacknowledged:
        print("UNACKNOWLEDGED %s %s %s %s: %s" % (tool, check, stack, logical_id, text))
    if args.strict:
        for tool in TOOLS:
            for ack in config.get(tool, []):
                if (tool, id(ack)) not in used:
                    problems.append("%s acknowledgement matches nothing (remove it): %s %s %s"
                                    % (tool, ack["check"], ack["template"], ack["resource"]))
    for problem in problems:
        print("PROBLEM " + problem)
    if unacknowledged or problems:
        print("scan-templates: fix the template or acknowledge the finding in %s with a reason"
              % args.acknowledgements)
        return 1
    return 0


def _version(distribution):
    from importlib import metadata
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
