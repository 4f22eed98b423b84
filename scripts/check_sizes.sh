#!/usr/bin/env bash
# check_sizes.sh: the project's size rules for the C sources in src/ and
# src/cli/: no file over 900 lines, no function over 120 lines. Prints each
# file or function that breaks a rule and exits 1 if there is any, else 0.
# A function's body is taken to run from a line that is exactly "{" to the
# next line that is exactly "}" (the layout every file here uses); its length
# counts the lines from the "{" to the "}" inclusive, and it is named by the
# last non-blank line before the "{" that has a "(".
set -euo pipefail
cd "$(dirname "$0")/.."

max_file=900
max_func=120
bad=0

shopt -s nullglob
files=(src/*.c src/*.h src/cli/*.c src/cli/*.h)

for f in "${files[@]}"; do
  n=$(wc -l <"$f")
  if [ "$n" -gt "$max_file" ]; then
    echo "$f: $n lines (at most $max_file)"
    bad=1
  fi
done

for f in "${files[@]}"; do
  case "$f" in *.c) ;; *) continue ;; esac
  out=$(awk -v max="$max_func" -v file="$f" '
    $0 == "{" && !inbody { inbody = 1; start = NR; name = sig; next }
    $0 == "}" && inbody {
      inbody = 0
      len = NR - start + 1
      if (len > max) {
        sub(/\(.*/, "", name)
        k = split(name, w, /[ \t*]+/)
        printf "%s:%d: function %s: %d lines (at most %d)\n", file, start, w[k], len, max
      }
      next
    }
    !inbody && /\(/ { sig = $0 }
  ' "$f")
  if [ -n "$out" ]; then
    echo "$out"
    bad=1
  fi
done

exit "$bad"
