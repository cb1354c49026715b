#!/bin/bash
# Where a pickle workload's instructions go, by compiled JS function and by
# source line: the companion of instructions.sh, for finding what to change.
#
#   bash bench/attribute.sh <dist> <workload> [calls] [module]
#
# Runs the workload (see instructions.mjs) under valgrind's callgrind with
# per-instruction counts, V8 made deterministic and printing the code it
# optimizes (--print-opt-code); each count is then placed in its compiled
# function and, through the code's source positions, in a line of the
# pickle module `module` (default _save; _machine, _idmemo, _strmemo, ...).
# A function inlined from another module has positions in that module's
# text: where a line makes no sense, read the position in the module the
# inlined function comes from. Everything the process does is counted
# (start-up and the value's building too), so use enough calls (default 40)
# for the workload to dominate. Takes about a minute. Needs valgrind.
set -euo pipefail
dist=$(realpath "$1"); wl=$2; calls=${3:-40}; module=${4:-_save}
here=$(dirname "$(realpath "$0")")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
valgrind --tool=callgrind --dump-instr=yes --compress-pos=no --compress-strings=no --callgrind-out-file="$work/cg.out" \
  node --predictable --random-seed=1 --hash-seed=1 --print-opt-code "$here/instructions.mjs" "$dist" "$wl" "$calls" >"$work/opt.txt" 2>/dev/null
python3 - "$work" "$dist/serialize/pickle/$module.js" <<'PY'
import bisect, collections, re, sys
work, module = sys.argv[1], sys.argv[2]
# callgrind: "positions: instr line", so each cost line is "<address> <line> <count>"; the line after
# "calls=" is a call's inclusive cost, not an instruction's own
counts = collections.Counter()
skip = False
for line in open(f"{work}/cg.out"):
    if skip:
        skip = False
    elif line.startswith("calls="):
        skip = True
    elif line.startswith("0x"):
        parts = line.split()
        if len(parts) >= 3:
            counts[int(parts[0], 16)] += int(parts[2])
# V8's listings: a name, instructions "<address> <offset> <bytes> <asm>", then "pc offset  position" pairs
codes, code = [], None
lines = open(f"{work}/opt.txt", errors="replace").read().split("\n")
i = 0
while i < len(lines):
    line = lines[i]
    if line.startswith("name = "):
        code = {"name": line[7:], "start": None, "end": 0, "pos": []}
    elif code is not None and re.match(r"0x[0-9a-f]+\s+[0-9a-f]+\s+[0-9a-f]+\s", line):
        address = int(line.split()[0], 16)
        code["start"] = address if code["start"] is None else code["start"]
        code["end"] = address + 16
    elif code is not None and line.startswith("Source positions:"):
        i += 2
        while i < len(lines) and re.match(r"\s+[0-9a-f]+\s+\d+$", lines[i]):
            offset, position = lines[i].split()
            code["pos"].append((int(offset, 16), int(position)))
            i += 1
        continue
    elif line.startswith("--- End code ---") and code is not None:
        if code["start"] is not None:
            codes.append(code)
        code = None
    i += 1
codes.sort(key=lambda c: c["start"])
starts = [c["start"] for c in codes]
by_function, by_position = collections.Counter(), collections.Counter()
for address, n in counts.items():
    k = bisect.bisect_right(starts, address) - 1
    if k < 0 or address >= codes[k]["end"]:
        continue
    c = codes[k]
    offsets = [p[0] for p in c["pos"]]
    j = bisect.bisect_right(offsets, address - c["start"]) - 1
    by_function[c["name"]] += n
    by_position[(c["name"], c["pos"][j][1] if j >= 0 else -1)] += n
total = sum(counts.values())
print(f"{total / 1e6:.1f}M instructions, {sum(by_function.values()) / 1e6:.1f}M in optimized JS")
for name, n in by_function.most_common(12):
    print(f"{n / 1e6:9.2f}M  {name}")
source = open(module).read()
text = source.split("\n")
print(f"\nby source position (lines of {module.split('/')[-1]}):")
for (name, position), n in by_position.most_common(40):
    where = "?"
    if 0 <= position < len(source):
        line = source.count("\n", 0, position) + 1
        where = f"{line}: {text[line - 1].strip()[:90]}"
    print(f"{n / 1e6:9.2f}M  {name[:18]:18} {position:6}  {where}")
PY
