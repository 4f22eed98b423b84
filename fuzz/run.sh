#!/usr/bin/env bash
# fuzz/run.sh: run the libFuzzer targets of a BCSIM_FUZZ build on their seed
# corpora, side by side, in a temporary directory, so that nothing is written
# into the repository. Fails (exit 1) on any crash, leak, timeout,
# out-of-memory or undefined behaviour, and keeps the input that caused it.
#
#   fuzz/run.sh [-b BUILD_DIR] [-t SECONDS] [-c CORPUS_DIR] [TARGET...] [-- LIBFUZZER_OPTION...]
#
#   -b  the fuzz build (default build-fuzz)
#   -t  seconds per target (default 60); the targets run at the same time
#   -c  keep each target's corpus in CORPUS_DIR/TARGET and grow it run after
#       run (default: a copy of the seeds in the temporary directory)
#   TARGET: fuzz_model, fuzz_set (default both). Options after -- go to
#   libFuzzer, e.g. -- -fork=2 -ignore_crashes=1 for a long hunt.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=build-fuzz seconds=60 keep=
while getopts b:t:c: opt; do
  case $opt in
    b) build=$OPTARG ;;
    t) seconds=$OPTARG ;;
    c) keep=$OPTARG ;;
    *) sed -n '2,16p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
targets=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do targets+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
extra=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_model fuzz_set)
case $build in /*) ;; *) build=$root/$build ;; esac
case $keep in /*|"") ;; *) keep=$PWD/$keep ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/bcsim-fuzz.XXXXXX")
pids=()
for t in "${targets[@]}"; do
  case $t in
    fuzz_model)
      seeds=("$root"/models/*.yaml "$root"/tests/models/*.yaml "$root"/tests/models/bad/*.yaml
             "$root"/fuzz/corpus/model/*) ;;
    fuzz_set)
      seeds=("$root"/fuzz/corpus/set/*) ;;
    *) echo "fuzz/run.sh: unknown target $t (fuzz_model, fuzz_set)" >&2; exit 2 ;;
  esac
  exe=$build/fuzz/$t
  if [ ! -x "$exe" ]; then
    echo "fuzz/run.sh: $exe not found; build it with" >&2
    echo "  CC=clang cmake -S . -B build-fuzz -DBCSIM_FUZZ=ON && cmake --build build-fuzz --target $t" >&2
    exit 2
  fi
  corpus=${keep:+$keep/$t}
  corpus=${corpus:-$work/$t/corpus}
  mkdir -p "$corpus" "$work/$t/artifacts"
  cp "${seeds[@]}" "$corpus"/
  echo "== $t: $seconds s from $(find "$corpus" -type f | wc -l) inputs"
  # LeakSanitizer after every input; UBSan findings abort (the build has
  # -fno-sanitize-recover); allocations too large for the RSS limit fail
  # as in the library (NULL) rather than as a crash
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$exe" "$corpus" -dict="$root/fuzz/${t#fuzz_}.dict" -max_len=4096 -timeout=5 \
      -rss_limit_mb=2048 -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$work/$t/artifacts/" ${extra[@]+"${extra[@]}"} \
      >"$work/$t/log" 2>&1 &
  pids+=($!)
done

status=0
for i in "${!targets[@]}"; do
  t=${targets[$i]}
  if wait "${pids[$i]}"; then
    echo "== $t: passed"
    grep -E '^#[0-9]+[[:space:]]+DONE|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' \
      "$work/$t/log" || true
  else
    status=1
    echo "== $t: FAILED"
    tail -n 60 "$work/$t/log"
    echo "== $t: log and reproducer kept in $work/$t:"
    ls -l "$work/$t/artifacts"
  fi
done
[ $status -ne 0 ] || rm -rf "$work"
exit $status
