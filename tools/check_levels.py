#!/usr/bin/env python3
"""Checks the design rules a compiler does not: folders of src/ include only folders on lower
levels (ARCHITECTURE.md, "Levels"), and the deterministic folders read no clock or randomness
and iterate no unordered container (STYLE.md 22). Prints each breach and exits 1 if any."""
import pathlib
import re
import sys

LEVELS = {
    # crypto sits above codec: keys and signatures have canonical encodings (docs/architecture.md).
    "base": 0, "codec": 1, "crypto": 2, "core": 3, "policy": 4, "storage": 4,
    "ledger": 5, "consensus": 5, "net": 5, "mempool": 6, "audit": 6, "wallet": 6,
    "node": 7, "api": 8, "sim": 8, "cli": 9,
}
# consensus never includes net or storage even though they share a level.
FORBIDDEN = {"consensus": {"net", "storage"}}
DETERMINISTIC = {"core", "policy", "ledger", "consensus"}
NONDETERMINISM = re.compile(
    r"std::rand\(|std::shuffle|random_device|system_clock|steady_clock|"
    r"_distribution<|\btime\(nullptr\)")
UNORDERED = re.compile(r"unordered_(flat_|node_)?(map|set)")
# A hash container used only to look up, never iterated, says so on its lines.
LOOKUP_ONLY = "lookup only, never iterated"
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".") / "src"
    breaches = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".h", ".cc"):
            continue
        folder = path.relative_to(root).parts[0]
        if folder not in LEVELS:
            breaches.append(f"{path}: folder '{folder}' has no level in tools/check_levels.py")
            continue
        is_test = path.name.endswith("_test.cc")
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = INCLUDE.match(line)
            if match:
                used = match.group(1)
                if used != folder and used in LEVELS and (
                        LEVELS[used] >= LEVELS[folder] or used in FORBIDDEN.get(folder, ())):
                    breaches.append(f"{path}:{number}: {folder} may not include {used}")
            if folder in DETERMINISTIC and not is_test and (
                    NONDETERMINISM.search(line) or
                    (UNORDERED.search(line) and LOOKUP_ONLY not in line)):
                breaches.append(f"{path}:{number}: nondeterminism in {folder}: {line.strip()}")
    for breach in breaches:
        print(breach)
    print(f"levels and determinism: {len(breaches)} breaches")
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main())
