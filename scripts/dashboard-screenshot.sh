#!/usr/bin/env bash
# Renders the dashboard with realistic fake numbers (three minutes of history) into docs/dashboard.png, through
# the same headless-Chromium test that checks the page (Tests/SluiceTelemetryTests/DashboardBrowserTests.swift).
# Needs Debian's chromium: apt-get install -y chromium
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || [ -n "${SLUICE_CHROMIUM:-}" ] || {
  echo "chromium is not installed: apt-get install -y chromium" >&2
  exit 1
}
SLUICE_DASHBOARD_SCREENSHOT="$PWD/docs/dashboard.png" swift test --filter 'DashboardBrowserTests/screenshotOfTheDashboard'
echo "wrote docs/dashboard.png" >&2
