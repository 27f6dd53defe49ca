#!/usr/bin/env bash
# Exports of the 10k x 1k answer in one run: each format written by
# `solve --format F` (its write phase from --timings, the whole run and the
# peak RSS from /usr/bin/time), then the HTML report alone from the saved
# response (`report`), which is what a backend would run on a stored run.
#
#   bash bench/exports.sh        # needs target/release/mentormatch (cargo build --release)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/mentormatch
out=bench/out
mkdir -p "$out"
req=$out/synth-10000x1000.json
[ -s "$req" ] || "$bin" generate --mentees 10000 --mentors 1000 --seed 1 -o "$req"
echo "| format | write (export) | whole run | peak RSS | file |"
echo "|---|---|---|---|---|"
for f in json csv xlsx html; do
  file=$out/export-10000x1000.$f
  /usr/bin/time -f "%e %M" -o "$out/time.txt" "$bin" solve "$req" --format "$f" -o "$file" --timings 2> "$out/timings.txt"
  write=$(grep -o 'write [0-9.]* ms' "$out/timings.txt" | cut -d' ' -f2)
  read -r secs kb < "$out/time.txt"
  size=$(stat -c %s "$file")
  printf '| %s | %s ms | %s s | %d MiB | %.1f MB |\n' "$f" "$write" "$secs" $((kb / 1024)) "$(awk "BEGIN { print $size / 1000000 }")"
done
"$bin" solve "$req" -o "$out/export-response.json"
/usr/bin/time -f "%e %M" -o "$out/time.txt" "$bin" report "$req" "$out/export-response.json" -o "$out/export-report.html"
read -r secs kb < "$out/time.txt"
cmp -s "$out/export-report.html" "$out/export-10000x1000.html" && same="same bytes as solve --format html" || same="DIFFERENT from solve --format html"
printf '| html from the saved response (`report`) | - | %s s | %d MiB | %s |\n' "$secs" $((kb / 1024)) "$same"
