#!/usr/bin/env bash
# The shape rules of issue 10, checked on the source tree (run by CTest as "shape"):
#  1. no hex tag literal handed to the DER reader/writer outside lib/der and the tag headers
#     (include/openrsp/der/tags.h, include/openrsp/rsp/tags.h): every tag has a name;
#  2. no source file in lib/ or apps/ over 600 lines.
set -uo pipefail
root="${1:-$(dirname "$0")/..}"
cd "$root" || exit 2
status=0

# Calls of der::reader/der::writer/der helpers, and comparisons of a decoded tag, with a hex literal as the tag.
pattern='(\.(find|add|begin|add_uint|add_bool|add_null|add_named_bits|expect|child)|der::encode|put_header)\(\s*0x[0-9A-Fa-f]+|\btag\s*[!=]=\s*0x[0-9A-Fa-f]+|\bcase\s+0x[0-9A-Fa-f]{2,}\s*:|tag_t\s+\w+\s*=\s*0x|,\s*t_\w+\s*=\s*0x'
hits=$(grep -rnE "$pattern" lib apps --include='*.cpp' --include='*.h' | grep -v '^lib/der/' | grep -v '^include/openrsp/rsp/tags.h' || true)
if [ -n "$hits" ]; then
    echo "DER tags written as hex literals (give them a name in include/openrsp/rsp/tags.h or include/openrsp/der/tags.h):"
    echo "$hits"
    status=1
fi

long=$(find lib apps -type f \( -name '*.cpp' -o -name '*.h' \) -exec wc -l {} + | awk '$2 != "total" && $1 > 600')
if [ -n "$long" ]; then
    echo "source files over 600 lines:"
    echo "$long"
    status=1
fi
[ $status -eq 0 ] && echo "shape: tag names and file sizes OK"
exit $status
