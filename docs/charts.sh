#!/usr/bin/env bash
# Regenerates the charts shown in README.md from the shipped models and
# experiments (about a minute on two cores).
#
#   bash docs/charts.sh
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet
bin=target/release/outage-sim
"$bin" run models/incident-2023-06-20.toml --out out/incident >/dev/null
"$bin" run models/incident-fixed.toml --out out/incident-fixed >/dev/null
"$bin" sweep experiments/cache-configs.toml --quiet >/dev/null
"$bin" sweep experiments/recovery-region.toml --quiet >/dev/null

cp out/incident/timeline.png docs/incident-timeline.png
cp out/incident-fixed/timeline.png docs/incident-fixed-timeline.png
cp out/cache-configs/charts/good_ratio-vs-clients.rate_rps.png docs/cache-configs-good-ratio.png
cp out/recovery-region/charts/phase-recovered_share-base.png docs/recovery-region.png
echo "docs/: incident-timeline.png incident-fixed-timeline.png cache-configs-good-ratio.png recovery-region.png"
