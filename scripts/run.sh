#!/usr/bin/env bash
# Starts the embedded default: service backend (:8000), action server (:5055)
# and Rasa with the REST channel and HTTP API (:5005). No PostgreSQL, no Redis.
# `--shell` talks to the assistant in this terminal instead of serving REST.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
mkdir -p var
export PYTHONPATH="$PWD" TF_CPP_MIN_LOG_LEVEL=3 SQLALCHEMY_SILENCE_UBER_WARNING=1
export SAHAYA_BACKEND_URL="${SAHAYA_BACKEND_URL:-http://localhost:${SAHAYA_BACKEND_PORT:-8000}}"

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

$BIN/python -m sahaya.backend.cli serve >var/backend.log 2>&1 &
pids+=($!)
$BIN/rasa run actions --port 5055 --auto-reload >var/actions.log 2>&1 &
pids+=($!)

if [[ "${1:-}" == "--shell" ]]; then
  $BIN/rasa shell --model models/sahaya.tar.gz --endpoints "${SAHAYA_ENDPOINTS:-endpoints.yml}"
else
  echo "Sahaya: REST http://localhost:5005/webhooks/rest/webhook · backend ${SAHAYA_BACKEND_URL} · officer page ${SAHAYA_BACKEND_URL}/officer"
  $BIN/rasa run --enable-api --cors "*" --port 5005 --model models/sahaya.tar.gz \
    --credentials credentials.yml --endpoints "${SAHAYA_ENDPOINTS:-endpoints.yml}"
fi
