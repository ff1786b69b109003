#!/usr/bin/env bash
# Starts the built app folder offscreen with a fresh data folder, waits for its main window,
# and prints the bundle's size and the start time (exec to "window shown" in the app's log).
# Usage, from the repository root after build.sh: bash installers/linux/smoke.sh [APP_FOLDER]
set -euo pipefail
cd "$(dirname "$0")/../.."
bundle=${1:-dist/gpt-oss-desktop}
app=$bundle/gpt-oss-desktop
[ -x "$app" ] || { echo "no app at $app: run installers/linux/build.sh first" >&2; exit 1; }
home=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$home"' EXIT
start=$(date +%s.%N)
GPT_OSS_DESKTOP_HOME="$home" QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} "$app" > "$home/output.txt" 2>&1 &
pid=$!
for _ in $(seq 1 3000); do
  if grep -q "window shown" "$home/logs/app.log" 2>/dev/null; then
    shown=$(date +%s.%N)
    size=$(du -sb "$bundle" | cut -f1)
    printf 'bundle size: %d MiB (%s bytes, %s files)\n' $((size / 1048576)) "$size" "$(find "$bundle" -type f | wc -l)"
    awk -v a="$start" -v b="$shown" \
      'BEGIN { printf "start to window: %.2f s (exec to \"window shown\", fresh data folder)\n", b - a }'
    grep -o "window shown after .*" "$home/logs/app.log" | tail -1 | sed 's/^/in the app: /'
    sleep 1  # still alive a moment later: no crash right after the first paint
    kill -0 "$pid" && echo "app still running: OK"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || { echo "the app exited early:" >&2; cat "$home/output.txt" >&2; exit 1; }
  sleep 0.02
done
echo "no window after 60 s" >&2
exit 1
