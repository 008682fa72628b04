#!/bin/bash
# Before/after in turns: `git archive` each commit into a tree of its own, then run the same
# benchmark (`python -m benchmarks.bench …`; `bot.bench` in trees from before it moved) in
# each tree in turn, REPEATS times (a shared machine drifts over minutes: a block of runs per
# tree would measure the drift).
#
#   scripts/bench_turns.sh REPEATS "COMMIT COMMIT …" bot --users 1000
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
    module=benchmarks.bench
    [ -f "$root/$short/benchmarks/bench.py" ] || module=bot.bench
    (cd "$root/$short" && "$python" -m "$module" "$@" 2>&1 | sed "s/^/$short #$i | /")
  done
done
