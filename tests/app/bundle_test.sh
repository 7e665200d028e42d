#!/usr/bin/env bash
# The bundle runs from a copied folder with no LD_LIBRARY_PATH, finding libtorch both ways
# the launcher offers, needs no library from the build machine's non-system folders, and
# stays under 64 MiB; a read-only copy unpacks its libraries into the user's cache.
set -euo pipefail
src=$1
binary=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$src/scripts/bundle" "$tmp/made" --binary "$binary"
cp -r "$tmp/made" "$tmp/copy"
cp -r "$tmp/made" "$tmp/readonly"
rm -rf "$tmp/made"
b=$tmp/copy

size=$(du -sm "$b" | cut -f1)
((size < 64)) || fail "bundle is ${size} MiB, over 64 MiB"

torch_lib=$("$src/.venv/bin/python" -c 'import importlib.util as u; print(u.find_spec("torch").submodule_search_locations[0])')/lib

# 1. REEL_TORCH_LIB given, LD_LIBRARY_PATH cleared.
out=$(env -u LD_LIBRARY_PATH REEL_TORCH_LIB="$torch_lib" "$b/reel" --version) || fail "reel --version failed: $out"
grep -q "^reel [0-9]" <<<"$out" || fail "no version line in: $out"
grep -q "libtorch 2.11.0" <<<"$out" || fail "no libtorch version in: $out"
grep -q "libavformat" <<<"$out" || fail "no FFmpeg version in: $out"

# 2. libtorch found through python3 on PATH (the venv's), nothing else in the environment.
out=$(env -i PATH="$src/.venv/bin:/usr/bin:/bin" HOME="$tmp" "$b/reel" --version) || fail "python lookup failed: $out"
grep -q "libtorch 2.11.0" <<<"$out" || fail "no libtorch version via python lookup: $out"

# 3. No torch at all: a clear message, not a loader error.
if out=$(env -i PATH=/usr/bin:/bin HOME="$tmp" REEL_PYTHON=/nonexistent "$b/reel" --version 2>&1); then
  if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then fail "ran without libtorch: $out"; fi
else
  grep -q "no libtorch 2.11 found" <<<"$out" || fail "unclear message without libtorch: $out"
fi

# 4. Every library resolves to the bundle, the system's base libraries or libtorch's folder.
while read -r name _ path _; do
  case "$path" in
    "$b"/lib/*|"$torch_lib"/*|*/nvidia/*) ;;
    /lib/*|/usr/lib/*|/lib64/*)
      [[ "$name" =~ ^(libc|libm|libdl|libpthread|librt|libutil|libresolv|libstdc\+\+|libgcc_s|ld-linux)[.-] ]] ||
        fail "$name comes from the build machine ($path), not the bundle" ;;
    *) fail "$name: $path" ;;
  esac
done < <(LD_LIBRARY_PATH="$torch_lib" ldd "$b/reel-bin" | awk '$2 == "=>" {print $1, $2, $3, $4}')

# 5. A copy the user cannot write to unpacks into $XDG_CACHE_HOME instead of its own folder.
# Root writes anywhere, so as root the copy is run as nobody.
mkdir -p "$tmp/cache"
if ((EUID == 0)); then
  chmod 755 "$tmp"
  chmod 777 "$tmp/cache"
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
else
  chmod -R a-w "$tmp/readonly"
  as_user=()
fi
out=$(env -u LD_LIBRARY_PATH HOME="$tmp/cache" XDG_CACHE_HOME="$tmp/cache" REEL_TORCH_LIB="$torch_lib" \
      "${as_user[@]}" "$tmp/readonly/reel" --version 2>&1) || fail "read-only copy failed: $out"
[[ ! -e "$tmp/readonly/lib" ]] || fail "a read-only bundle was written to"
ls "$tmp/cache/reel/"lib-*/libavformat.so.* >/dev/null 2>&1 || fail "nothing unpacked into the cache"
chmod -R u+w "$tmp/readonly"

# 6. It does real work from the copy.
out=$(env -u LD_LIBRARY_PATH REEL_TORCH_LIB="$torch_lib" "$b/reel" inspect "$src/examples/wan21-t2v-tiny/transformer") ||
  fail "inspect failed: $out"
grep -q "Wan transformer" <<<"$out" || fail "inspect output lacks the layout: $out"
# 7. The real binary tokenizes (sentencepiece beside libtorch in one process) from the copy.
fixtures=${REEL_FIXTURES_DIR:-$src/../shared/fixtures}
out=$(env -u LD_LIBRARY_PATH REEL_TORCH_LIB="$torch_lib" "$b/reel" debug encode-prompt \
      --model "$fixtures/umt5_tiny" --max-length 24 "A red fox" "" --output "$tmp/prompts.safetensors") ||
  fail "encode-prompt failed: $out"
grep -q "input_ids \[2, 24\], attention_mask \[2, 24\], prompt_embeds \[2, 24, 32\]" <<<"$out" ||
  fail "encode-prompt output: $out"
echo "bundle ok: ${size} MiB"
