# lib.sh: helpers shared by the shell tests. Each test sources it with
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# after setting $tmp (its scratch folder) and the counters pass and fail,
# which the helpers use.

# ok: one check passed; bad MESSAGE...: one failed, said on stdout.
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAILED: $*"; }

# check DESCRIPTION COMMAND...: passes when the command succeeds; its output
# is kept in $tmp/chk and the start of it shown when it fails.
check() {
  local what=$1
  shift
  if "$@" >"$tmp/chk" 2>&1; then
    ok
  else
    bad "$what"
    head -c 1500 "$tmp/chk" | sed 's/^/  /'
  fi
}

# summary: the counts; the status of the test.
summary() {
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}

# expect STATUS STDOUT-PATTERN STDERR-PATTERN -- COMMAND...
# (an empty pattern means "must be empty"): the command exits with STATUS and
# its stdout and stderr match the extended regular expressions; the start of
# both is shown when it does not.
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
    ok
  else
    bad "$* (status $got, want $want)"
    echo "  stdout: $(head -c 300 "$tmp/out")"
    echo "  stderr: $(head -c 600 "$tmp/err")"
  fi
}
