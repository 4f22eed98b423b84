#!/usr/bin/env bash
# same_bits.sh BCSIM_A BCSIM_B: two builds of bcsim (CI: GCC's and clang's)
# write the same result files, dataset by dataset and bit for bit
# (tests/h5same.py), for runs (Monte Carlo and Latin hypercube) of the default
# model and of a model with every kind of distribution, a copula, shocks,
# uncertain elasticities, every kind of savings line and a discount rate, with
# --set overrides and saved samples, for a Sobol' study, and for a run in two
# shards (one from each build, merged by B) and a run checkpointed by A,
# killed and resumed by B, each against A's run in one piece.
set -u
a=$(realpath "$1")
b=$(realpath "$2")
src=$(realpath "$(dirname "${BASH_SOURCE[0]}")/..")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
# ok, bad, check, summary (tests/lib.sh)
. "$src/tests/lib.sh" || exit 1
py=/usr/bin/python3

cat >"$tmp/kinds.yaml" <<'YAML'
model: kinds
horizon: {start_year: 2026, years: 6}
discount_rate: 0.035
unemployment:
  drift: {dist: normal, mean: 0.02, sd: 0.03, min: -0.1, max: 0.2}
  volatility: 0.08
proposals:
  - id: a
    investment: {dist: gamma, mean: 2, sd: 0.3}
    participants: 200
    effect: {dist: pert, min: -0.05, mode: 0.1, max: 0.3}
    elasticity: {dist: uniform, min: -1, max: 1}
    start: {dist: triangular, min: 0, mode: 0.2, max: 0.8}
    duration: {dist: lognormal, mean: 1.1, sd: 0.4}
    unit_cost: {dist: beta, mean: 150000, sd: 20000, min: 100000, max: 200000}
    savings:
      - {name: f, per: fte, amount: {dist: uniform, min: 0, max: 20000}}
      - {name: x, per: exit, amount: {dist: discrete, values: [5000, 10000, 20000], weights: [1, 2, 1]}}
      - {name: y, per: year, amount: {dist: normal, mean: 0.2, sd: 0.1}}
  - id: b
    investment: 3
    participants: 80
    effect: {dist: pert, min: 0.2, mode: 0.5, max: 0.9, lambda: 6}
    elasticity: {dist: normal, mean: 0.3, sd: 0.5}
    start: 0
    duration: {dist: triangular, min: 0.5, mode: 1, max: 2}
    unit_cost: {dist: triangular, min: 60000, mode: 90000, max: 130000}
correlations:
  - [a.effect, a.duration, 0.4]
  - [b.effect, b.elasticity, -0.3]
  - [a.unit_cost, b.unit_cost, 0.5]
YAML

study() { # NAME ARGS...: run the study with both builds and compare the files
  local name=$1
  shift
  if "$a" "$@" -o "$tmp/$name.a.h5" --quiet && "$b" "$@" -o "$tmp/$name.b.h5" --quiet; then
    check "$name: the same datasets" "$py" "$src/tests/h5same.py" "$tmp/$name.a.h5" "$tmp/$name.b.h5"
  else
    bad "$name: a build failed"
  fi
}

study default run "$src/models/aarhus-2026.yaml" -n 30000 --seed 3 --threads 2
study lhs run "$src/models/aarhus-2026.yaml" -n 20000 --seed 5 --sampler lhs
study kinds run "$tmp/kinds.yaml" -n 30000 --seed 7 --save-samples
study sobol sobol "$tmp/kinds.yaml" -n 1024 --replicates 16 --seed 9
study overrides run "$src/models/aarhus-2026.yaml" -n 20000 --seed 11 \
  --set igu.investment=5.5 --set academics.effect=pert:0,0.1,0.2 --save-samples

# shards: A computes the first share, B the second, B merges; the same file as
# A's run in one piece (7 segments of 64 blocks of 256 runs)
split=(run "$tmp/kinds.yaml" -n 100000 --seed 13 --block 256 --quiet)
if "$a" "${split[@]}" -o "$tmp/whole.h5" && "$a" "${split[@]}" --shard 0/2 -o "$tmp/s0.h5" &&
   "$b" "${split[@]}" --shard 1/2 -o "$tmp/s1.h5" &&
   "$b" merge "$tmp/s1.h5" "$tmp/s0.h5" -o "$tmp/merged.h5" --quiet; then
  check "shards of both builds merged: the same datasets" "$py" "$src/tests/h5same.py" \
    "$tmp/whole.h5" "$tmp/merged.h5"
else
  bad "shards: a build failed"
fi

# checkpoint: A checkpoints after every segment and is killed after the first;
# B resumes from A's checkpoint and must end where A's uninterrupted run does
long=(run "$tmp/kinds.yaml" -n 4000000 --seed 17 --block 256 --quiet)
"$a" "${long[@]}" -o "$tmp/long.h5" || bad "checkpoint: A's run failed"
"$a" "${long[@]}" -o "$tmp/resumed.h5" --checkpoint "$tmp/ck.h5" --checkpoint-every 0 &
pid=$!
for _ in $(seq 1 400); do [ -e "$tmp/ck.h5" ] && break; sleep 0.05; done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if [ -e "$tmp/ck.h5" ] && [ ! -e "$tmp/resumed.h5" ] &&
   "$b" "${long[@]}" -o "$tmp/resumed.h5" --resume "$tmp/ck.h5"; then
  check "checkpoint of A resumed by B: the same datasets" "$py" "$src/tests/h5same.py" \
    "$tmp/long.h5" "$tmp/resumed.h5"
else
  bad "checkpoint: A left no checkpoint, or finished before it was killed, or B's resume failed"
fi
summary
