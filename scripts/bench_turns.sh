#!/bin/bash
# Before/after in turns: `git archive` each commit into a tree of its own, then run the same
# benchmark in each tree in turn, REPEATS times (a shared machine drifts over minutes: a block
# of runs per tree would measure the drift), with `uptime` before each run.
#
#   scripts/bench_turns.sh REPEATS "COMMIT COMMIT …" bot --users 1000     # python -m benchmarks.bench …
#   scripts/bench_turns.sh REPEATS "COMMIT COMMIT …" e2e --users 20 --repeat 2
#   scripts/bench_turns.sh REPEATS "COMMIT COMMIT …" hol --repeat 2
#
# `e2e` and `hol` run the tree's scripts/bench_e2e.py (its `kotowari run` starts from that
# tree: `python -m bot.cli` in it), without the per-repeat detail lines; the rest run
# `python -m benchmarks.bench` (`bot.bench` in trees from before it moved).
set -euo pipefail
repeats=$1 commits=$2
shift 2
python=${PYTHON:-$(pwd)/.venv/bin/python}
root=${TREES_DIR:-/tmp/kotowari-trees}
for commit in $commits; do
  tree=$root/$(git rev-parse --short "$commit")
  if [ ! -d "$tree" ]; then mkdir -p "$tree" && git archive "$commit" | tar -x -C "$tree"; fi
done
for i in $(seq 1 "$repeats"); do
  for commit in $commits; do
    short=$(git rev-parse --short "$commit")
    echo "== $short #$i $(date -u +%H:%M:%S) $(uptime | sed 's/.*load/load/')"
    case "$1" in
      e2e | hol)
        (cd "$root/$short" && "$python" scripts/bench_e2e.py "$@" 2>&1 | grep -v '^    ' | sed "s/^/$short #$i | /") ;;
      *)
        module=benchmarks.bench
        [ -f "$root/$short/benchmarks/bench.py" ] || module=bot.bench
        (cd "$root/$short" && "$python" -m "$module" "$@" 2>&1 | sed "s/^/$short #$i | /") ;;
    esac
  done
done
