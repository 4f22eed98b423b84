#!/usr/bin/env bash
# test_cli.sh: the command line: help, version, exit codes, messages on
# stderr and nothing on stdout for bad input. Usage: test_cli.sh BCSIM SRCDIR
set -u
bcsim=$1
src=$2
model=$src/models/aarhus-2026.yaml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# expect STATUS STDOUT-PATTERN STDERR-PATTERN -- COMMAND...
# (an empty pattern means "must be empty")
expect() {
  local want=$1 outpat=$2 errpat=$3
  shift 4
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  local ok=1
  [ "$got" -eq "$want" ] || ok=0
  if [ -z "$outpat" ]; then [ ! -s "$tmp/out" ] || ok=0
  else grep -qE -- "$outpat" "$tmp/out" || ok=0; fi
  if [ -z "$errpat" ]; then [ ! -s "$tmp/err" ] || ok=0
  else grep -qE -- "$errpat" "$tmp/err" || ok=0; fi
  if [ $ok -eq 1 ]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAILED: $* (status $got, want $want)"
    echo "  stdout: $(head -c 300 "$tmp/out")"
    echo "  stderr: $(head -c 300 "$tmp/err")"
  fi
}

expect 0 '^usage: bcsim COMMAND' '' -- "$bcsim" --help
expect 0 '^usage: bcsim COMMAND' '' -- "$bcsim" help
expect 0 '^bcsim [0-9]+\.[0-9]+\.[0-9]+$' '' -- "$bcsim" --version
expect 2 '' 'missing a command' -- "$bcsim"
expect 2 '' "unknown command 'frobnicate'" -- "$bcsim" frobnicate
expect 0 '^usage: bcsim base MODEL' '' -- "$bcsim" base --help
expect 2 '' 'missing the model file' -- "$bcsim" base
expect 2 '' "unknown option '--cvs'" -- "$bcsim" base "$model" --cvs
expect 2 '' "unexpected argument" -- "$bcsim" base "$model" "$model"
expect 2 '' 'nope.yaml: cannot open' -- "$bcsim" base "$tmp/nope.yaml"

# the base case, as text and CSV
expect 0 'Overview, averages 2026-2030' '' -- "$bcsim" base "$model"
expect 0 '^output,year,fte,investment,benefit_savings,other_savings,gain$' '' -- \
  "$bcsim" base "$model" --csv
"$bcsim" base "$model" --csv >"$tmp/base.csv"
rows=$(wc -l <"$tmp/base.csv")
if [ "$rows" -eq 21 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: CSV has $rows lines, want 21"; fi
# the portfolio's average gain from the CSV is the seed's 0.6
avg=$(awk -F, '$1=="portfolio"{s+=$7;n++} END{printf "%.2f", s/n}' "$tmp/base.csv")
if [ "$avg" = "0.60" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: portfolio avg gain $avg"; fi

# a typo in a model file: file:line:col on stderr, status 2, nothing on stdout
sed 's/^    effect: {dist: pert, min: -0.024/    efect: {dist: pert, min: -0.024/' "$model" >"$tmp/typo.yaml"
line=$(grep -n '^    efect:' "$tmp/typo.yaml" | head -1 | cut -d: -f1)
expect 2 '' "typo.yaml:$line:5: unknown key 'efect' in a proposal" -- "$bcsim" base "$tmp/typo.yaml"
expect 2 '' "typo.yaml:$line:5: unknown key 'efect'" -- "$bcsim" base "$tmp/typo.yaml" --csv

# writing to a full device fails with status 1
if [ -w /dev/full ]; then
  expect 1 '' 'writing the report failed' -- sh -c "\"$bcsim\" base \"$model\" >/dev/full"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
