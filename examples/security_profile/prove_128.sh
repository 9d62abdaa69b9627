#!/usr/bin/env bash
# Prove and verify a guest under the 128-bit security profile (receipts that stay off chain),
# then show that the default profile refuses the receipt by name.
# Usage: examples/security_profile/prove_128.sh [N]   (fibonacci input, default 30)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
ZKRV="$ROOT/.venv/bin/zkrv"
N="${1:-30}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

"$ZKRV" build "$ROOT/examples/guests/fibonacci.c" -o "$WORK/fib.elf"
INPUT="$(python3 -c "import sys; print(int(sys.argv[1]).to_bytes(4, 'little').hex())" "$N")"

export ZKRV_SECURITY_PROFILE=128
"$ZKRV" info --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("profile", d["security_profile"]["name"], "proven bits", d["security"]["security_bits_jbr"])'
"$ZKRV" prove "$WORK/fib.elf" --input-hex "$INPUT" -o "$WORK/fib128.receipt"
IMAGE_ID="$("$ZKRV" image-id "$WORK/fib.elf")"   # the 128-bit profile's image ID
"$ZKRV" verify "$WORK/fib128.receipt" --image-id "$IMAGE_ID"

unset ZKRV_SECURITY_PROFILE
if "$ZKRV" verify "$WORK/fib128.receipt" --image-id "$IMAGE_ID" 2>"$WORK/err"; then
  echo "unexpected: the default profile accepted a 128-bit receipt" >&2
  exit 1
fi
echo "default profile refuses it: $(cat "$WORK/err")"
