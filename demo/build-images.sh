#!/usr/bin/env bash
# Build the demo images on the local Docker engine from Debian's static busybox (no registry).
# Usage: demo/build-images.sh [TAG]   (default tag: 1.0)
# The deploy playbook copies them to the Docker hosts with dockyard.azure.image_copy.
set -euo pipefail
tag=${1:-1.0}
here=$(cd "$(dirname "$0")" && pwd)
busybox=${BUSYBOX:-/bin/busybox}
if [[ ! -x $busybox ]]; then
    echo "$busybox is missing: apt-get install busybox-static (make setup does)" >&2
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for service in web counter; do
    mkdir -p "$work/$service"
    cp -a "$here/$service/." "$work/$service/"
    cp "$busybox" "$work/$service/busybox"
    if ! log=$(DOCKER_BUILDKIT=0 docker build --tag "dockyard-demo/$service:$tag" "$work/$service" 2>&1); then
        echo "$log" >&2
        exit 1
    fi
    echo "built dockyard-demo/$service:$tag"
done
