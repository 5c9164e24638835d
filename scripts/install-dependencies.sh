#!/usr/bin/env bash
# Installs what Sluice needs to build and test on Debian: librdkafka (with its mock cluster), kcat (an
# independent Kafka client for end-to-end tests) and chromium (the dashboard's headless browser tests).
# Safe to run again: it installs only what is missing.
set -euo pipefail

missing=()
pkg-config --exists rdkafka 2>/dev/null || missing+=(librdkafka-dev)
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
[ -n "${SLUICE_CHROMIUM:-}" ] || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
  || missing+=(chromium)

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
