#!/bin/sh
# GET / : count this visit in the counter service and say hello.
# (No "wget -T": busybox-static 1.35 wget segfaults with a timeout when run from a shell.)
export PATH=/bin
visits=$(wget -q -O - "http://${COUNTER_ADDRESS:-counter:8081}/cgi-bin/hit") || visits="unknown (counter unreachable)"
printf 'Content-Type: text/plain\r\n\r\n'
printf 'Hello from %s, served by the dockyard.azure demo.\n' "${DEMO_HOST:-docker}"
printf 'Visits on this host: %s\n' "$visits"
