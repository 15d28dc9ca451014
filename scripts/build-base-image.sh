#!/usr/bin/env bash
# Builds the base image of both container images without Docker Hub: Debian bookworm (minbase)
# with openjdk-17-jre-headless, as a docker-archive tarball that Jib reads as tar://FILE.
# bookworm because the native engine is built on bookworm: the image's glibc (2.36) must be at
# least the build's. Cached outside the clone and idempotent: an existing tarball is kept.
set -euo pipefail

# Under sudo the tarball belongs in the invoking user's cache: that is where their Maven looks.
owner=""
owner_home="$HOME"
if [[ -n "${SUDO_USER:-}" && "${SUDO_USER}" != root ]]; then
  owner="$SUDO_USER"
  owner_home="$(getent passwd "$owner" | cut -d: -f6)"
fi
OUT="${FHEML_BASE_IMAGE_TAR:-$owner_home/.cache/fhe-ml/base/bookworm-jre17.tar}"
IMAGE_REF="local/bookworm-jre17:latest"
SUITE="bookworm"
FALLBACK_MIRROR="http://deb.debian.org/debian"
# The user the images run as (Jib's container.user is numeric; this gives it a name and a home).
APP_UID=1000
APP_USER="fheml"
# debootstrap/umoci/skopeo build the base; podman/runc run the container tests.
TOOLS=(debootstrap umoci skopeo podman runc)

usage() {
  cat <<USAGE
usage: scripts/build-base-image.sh [--force] [--print-path]

Writes $OUT
(override with FHEML_BASE_IMAGE_TAR), image name $IMAGE_REF, unless it already exists.
Installs ${TOOLS[*]} with apt-get when missing. Needs root (debootstrap chroots).
  --force       rebuild even if the tarball exists
  --print-path  print the tarball's path and exit
The Maven profile 'containers' activates when ~/.cache/fhe-ml/base/bookworm-jre17.tar exists.
USAGE
}

die() { echo "build-base-image: $*" >&2; exit 1; }
say() { echo "build-base-image: $*"; }

force=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --force) force=1; shift ;;
    --print-path) echo "$OUT"; exit 0 ;;
    *) usage >&2; die "unknown argument $1" ;;
  esac
done

# A tarball counts as built when it is a docker archive (has manifest.json); a half-written one
# never has the final name (written to a temp name, then renamed).
is_built() { [[ -s "$OUT" ]] && tar -tf "$OUT" manifest.json >/dev/null 2>&1; }

install_missing_tools() {
  local missing=() t
  for t in "${TOOLS[@]}"; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  [[ "$(id -u)" -eq 0 ]] || die "missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root"
  say "installing ${missing[*]} (apt-get)"
  # Waits for the dpkg lock instead of failing when another apt run holds it.
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${missing[@]}" >/dev/null
}

# The mirror this machine's apt uses for suite $1 (deb822 stanzas in sources.list.d/*.sources
# first, then one-line entries), or nothing.
suite_mirror() {
  local suite="$1" f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    uri="$(awk -v suite="$suite" 'BEGIN { RS = ""; FS = "\n" }
      { uri = ""; deb = 0; ok = 0; off = 0
        for (i = 1; i <= NF; i++) {
          line = $i
          if (line ~ /^#/) continue
          if (line ~ /^Types:/ && line ~ /[ \t]deb([ \t]|$)/) deb = 1
          if (line ~ /^Enabled:[ \t]*no/) off = 1
          if (line ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", line); split(line, u, /[ \t]+/); uri = u[1] }
          if (line ~ /^Suites:/) { n = split(line, s, /[ \t]+/); for (j = 2; j <= n; j++) if (s[j] == suite) ok = 1 }
        }
        if (deb && ok && !off && uri != "") { print uri; exit }
      }' "$f")"
    [[ -n "$uri" ]] && { echo "$uri"; return; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    uri="$(awk -v suite="$suite" '$1 == "deb" {
        i = 2
        if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        if ($(i + 1) == suite) { print $i; exit }
      }' "$f")"
    [[ -n "$uri" ]] && { echo "$uri"; return; }
  done
}

# Fixes published after the release (openjdk's included) come from -updates and -security: add the
# ones this machine's apt knows and upgrade, so a fresh base is a patched base.
upgrade_rootfs() {
  local root="$1" mirror="$2" suite uri
  echo "deb $mirror $SUITE main" > "$root/etc/apt/sources.list"
  for suite in "$SUITE-updates" "$SUITE-security"; do
    uri="$(suite_mirror "$suite")"
    [[ -n "$uri" ]] && echo "deb $uri $suite main" >> "$root/etc/apt/sources.list"
  done
  say "upgrading from $(grep -c . "$root/etc/apt/sources.list") suites: $(cut -d' ' -f3 "$root/etc/apt/sources.list" | paste -sd ' ')"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  mount -t proc proc "$root/proc"
  if ! { chroot "$root" apt-get -qq update && chroot "$root" env DEBIAN_FRONTEND=noninteractive \
      apt-get -qq -y -o Dpkg::Options::=--force-confold upgrade; } > "$work/upgrade.log" 2>&1; then
    umount "$root/proc"
    tail -n 30 "$work/upgrade.log" >&2
    die "apt-get upgrade in the rootfs failed (log above)"
  fi
  umount "$root/proc"
  # The runtime provides resolv.conf; do not bake this machine's into the image.
  rm -f "$root/etc/resolv.conf"
}

# Drops what a JRE never reads: documentation (keeping the copyright files), man pages, locales,
# apt's package lists and caches, logs, and device nodes (the runtime provides /dev).
trim_rootfs() {
  local root="$1"
  find "$root/usr/share/doc" -type f ! -name copyright -delete
  find "$root/usr/share/doc" -xtype l -delete
  rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* \
    "$root"/usr/share/lintian "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* \
    "$root"/var/cache/debconf/*-old "$root"/var/log/* "$root"/dev/*
  chmod 1777 "$root/tmp"
}

add_app_user() {
  local root="$1"
  grep -q ":$APP_UID:" "$root/etc/passwd" && die "uid $APP_UID already exists in the rootfs"
  echo "$APP_USER:x:$APP_UID:$APP_UID:fhe-ml:/home/$APP_USER:/usr/sbin/nologin" >> "$root/etc/passwd"
  echo "$APP_USER:x:$APP_UID:" >> "$root/etc/group"
  echo "$APP_USER:!:19000::::::" >> "$root/etc/shadow"
  install -d -m 0750 -o "$APP_UID" -g "$APP_UID" "$root/home/$APP_USER"
}

# Runs the rootfs's java once; it needs /proc to find its own libraries (through $ORIGIN).
check_java() {
  local root="$1" java="$2" version
  mount -t proc proc "$root/proc"
  version="$(chroot "$root" "$java" -version 2>&1)" || { umount "$root/proc"; die "java in the rootfs does not run: $version"; }
  umount "$root/proc"
  say "rootfs: $(head -n 1 <<<"$version")"
}

work=""
cleanup() {
  [[ -n "$work" ]] || return 0
  mountpoint -q "$work/rootfs/proc" 2>/dev/null && umount "$work/rootfs/proc"
  # --one-file-system: never follow a mount left inside the rootfs.
  rm -rf --one-file-system "$work"
}

build() {
  local start mirror java java_home
  start=$(date +%s)
  [[ "$(id -u)" -eq 0 ]] || die "building the base image needs root (debootstrap chroots): sudo $0"
  mirror="$(suite_mirror "$SUITE")"
  mirror="${mirror:-$FALLBACK_MIRROR}"
  work="$(mktemp -d /var/tmp/fhe-ml-base.XXXXXX)"
  trap cleanup EXIT

  say "debootstrap --variant=minbase --include=openjdk-17-jre-headless $SUITE from $mirror"
  if ! debootstrap --variant=minbase --include=openjdk-17-jre-headless "$SUITE" "$work/rootfs" \
      "$mirror" > "$work/debootstrap.log" 2>&1; then
    tail -n 30 "$work/debootstrap.log" >&2
    die "debootstrap failed (log above)"
  fi
  upgrade_rootfs "$work/rootfs" "$mirror"
  java="$(chroot "$work/rootfs" readlink -f /usr/bin/java)"
  java_home="${java%/bin/java}"
  check_java "$work/rootfs" "$java"
  trim_rootfs "$work/rootfs"
  add_app_user "$work/rootfs"

  say "packing with umoci ($(du -sh --apparent-size "$work/rootfs" | cut -f1) rootfs)"
  umoci init --layout "$work/oci"
  umoci new --image "$work/oci:base"
  umoci unpack --image "$work/oci:base" "$work/bundle" >/dev/null
  rmdir "$work/bundle/rootfs"
  mv "$work/rootfs" "$work/bundle/rootfs"
  umoci repack --image "$work/oci:base" "$work/bundle"
  umoci config --image "$work/oci:base" --os linux --architecture amd64 \
    --author "fhe-ml scripts/build-base-image.sh" --config.workingdir / \
    --config.env "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --config.env "JAVA_HOME=$java_home" --config.env "LANG=C.UTF-8"
  umoci gc --layout "$work/oci"

  rm -f "$OUT.tmp"
  skopeo copy --quiet "oci:$work/oci:base" "docker-archive:$OUT.tmp:$IMAGE_REF"
  mv "$OUT.tmp" "$OUT"
  [[ -z "$owner" ]] || chown "$owner": "$OUT" "$OUT.lock"
  say "wrote $OUT ($(du -h "$OUT" | cut -f1), $IMAGE_REF, JAVA_HOME=$java_home) in $(( $(date +%s) - start )) s"
}

if [[ $force -eq 0 ]] && is_built; then
  say "up to date: $OUT ($(du -h "$OUT" | cut -f1)); --force rebuilds it"
  install_missing_tools
  exit 0
fi
install_missing_tools
# The cache folders belong to the user whose cache it is (sudo: the invoking user).
if [[ -n "$owner" ]]; then runuser -u "$owner" -- mkdir -p "$(dirname "$OUT")"; else mkdir -p "$(dirname "$OUT")"; fi
# One build at a time per machine (two clones may run CI at once); the loser reuses the result.
exec 9>"$OUT.lock"
flock 9
if [[ $force -eq 0 ]] && is_built; then
  say "built meanwhile by another run: $OUT"
  exit 0
fi
build
