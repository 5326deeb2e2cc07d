#!/usr/bin/env bash
# Issue 7's benchmarks side by side, in one run on this machine: one RingKV node vs redis-server,
# RingKV 3 servers × 3 copies vs Hazelcast 3 members × 2 sync backups vs Redis SET + WAIT 2 0,
# memory, start-up, scaling with 1/3/5 servers, rebalance on join, healing after SIGKILL, ECS failover.
# Regenerates the side-by-side section of docs/performance.md (between its markers) and writes
# launcher/target/side-by-side.md. About 12 minutes on 2 cores.
#
# Usage (from anywhere in the repository):
#   bash launcher/scripts/side-by-side.sh [--threads 50] [--seconds 10] [--rounds 5]
#   bash launcher/scripts/side-by-side.sh --only replicated,startup     # some sections, docs untouched
#
# Hazelcast comes from Maven Central through the launcher's `hazelcast` Maven profile, as a test-scoped
# dependency: it is never part of the default build or of ringkv.jar. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in redis-server redis-benchmark; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install redis-server redis-tools)"; exit 2; }
done
./mvnw -q -B -DskipTests package
./mvnw -q -B -Phazelcast -pl launcher -am -DskipTests test-compile
cp="launcher/target/ringkv.jar:launcher/target/test-classes:$(cat launcher/target/side-by-side.classpath)"
exec java -cp "$cp" dev.ringkv.launcher.bench.SideBySide "$@"
