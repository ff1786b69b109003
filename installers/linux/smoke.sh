#!/usr/bin/env bash
# Starts the built app folder offscreen with a fresh data folder, waits for its main window,
# and prints the bundle's size and the cold start (exec to "window shown" in the app's log).
# Usage, from the repository root after build.sh: bash installers/linux/smoke.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
app=dist/gpt-oss-desktop/gpt-oss-desktop
[ -x "$app" ] || { echo "no bundle at $app: run installers/linux/build.sh first" >&2; exit 1; }
home=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$home"' EXIT
start=$(date +%s.%N)
GPT_OSS_DESKTOP_HOME="$home" QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} "$app" > "$home/stdout.txt" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  if grep -q "window shown" "$home/logs/app.log" 2>/dev/null; then
    shown=$(date +%s.%N)
    size=$(du -sb dist/gpt-oss-desktop | cut -f1)
    printf 'bundle size: %.0f MiB (%s bytes)\n' "$(echo "$size / 1048576" | bc -l)" "$size"
    printf 'cold start to window: %.2f s\n' "$(echo "$shown - $start" | bc -l)"
    grep "window shown" "$home/logs/app.log" | tail -1
    kill -0 "$pid" && echo "app still running: OK"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || { echo "the app exited early:" >&2; cat "$home/stdout.txt" >&2; exit 1; }
  sleep 0.1
done
echo "no window after 60 s" >&2
exit 1
