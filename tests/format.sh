#!/usr/bin/env bash
# The tree is formatted by the root .clang-format: every C file under core/,
# tui/, data/ and tests/ must come out of clang-format unchanged.  To fix:
#   git ls-files '*.c' '*.h' | xargs clang-format -i
set -u
root=${1:?usage: format.sh SOURCE_ROOT}
cd "$root" || exit 1
if ! command -v clang-format >/dev/null; then
    echo "FAIL: clang-format is not installed (apt-get install clang-format)"
    exit 1
fi
failed=0
checked=0
while IFS= read -r -d '' f; do
    checked=$((checked + 1))
    if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
        echo "not formatted: $f"
        failed=$((failed + 1))
    fi
done < <(find core tui data tests -name '*.[ch]' -print0 | sort -z)
echo "$checked files checked, $failed not formatted"
[ "$checked" -gt 0 ] && [ "$failed" -eq 0 ]
