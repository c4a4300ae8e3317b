#!/bin/bash
# Brings Wikimedia's design system (Codex) into the repository: the CSS-only components'
# stylesheet and its right-to-left variant from @wikimedia/codex, the design tokens as CSS
# custom properties (with dark mode) from @wikimedia/codex-design-tokens, and the icons the
# pages use from @wikimedia/codex-icons. bitu-web embeds these files in its binary: nothing is
# fetched at build or run time. Run this only to move to another version (edit VERSION) or to
# add an icon (edit ICONS); it rewrites web/static/codex/ and records versions, integrity
# hashes and licences in web/static/codex/VERSIONS.
#
#   bash packaging/codex/update.sh
#
# Needs npm (only for `npm pack`, which downloads the published package tarballs).
set -euo pipefail

VERSION=2.7.0
# The icons the templates use through icon(name=...): keep in step with web/src/assets/icons.rs.
ICONS=(
    userAvatar key userGroup checkAll block lock logOut menu clock
)

root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/web/static/codex
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

versions=$work/VERSIONS
{
    echo "# Vendored by packaging/codex/update.sh; do not edit by hand."
    echo "# package@version licence integrity"
} >"$versions"

fetch() {
    local package=$1
    local json
    json=$(cd "$work" && npm pack --json --silent "$package@$VERSION")
    local file integrity
    file=$(printf '%s' "$json" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].filename))')
    integrity=$(printf '%s' "$json" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].integrity))')
    local dir=$work/${package//\//_}
    mkdir -p "$dir"
    tar xzf "$work/$file" -C "$dir"
    local licence
    licence=$(node -e 'console.log(require(process.argv[1]).license)' "$dir/package/package.json")
    echo "$package@$VERSION $licence $integrity" >>"$versions"
    printf '%s' "$dir/package"
}

codex=$(fetch @wikimedia/codex)
tokens=$(fetch @wikimedia/codex-design-tokens)
icons=$(fetch @wikimedia/codex-icons)

rm -rf "$out"
mkdir -p "$out/icons"
cp "$codex/dist/codex.style.css" "$out/codex.style.css"
cp "$codex/dist/codex.style-rtl.css" "$out/codex.style-rtl.css"
cp "$codex/LICENSE" "$out/LICENSE.codex"
cp "$tokens/dist/theme-wikimedia-ui.css" "$out/theme-wikimedia-ui.css"
cp "$tokens/dist/theme-wikimedia-ui-mode-dark.css" "$out/theme-wikimedia-ui-mode-dark.css"
cp "$tokens/LICENSE" "$out/LICENSE.codex-design-tokens"
cp "$icons/LICENSE" "$out/LICENSE.codex-icons"
for icon in "${ICONS[@]}"; do
    cp "$icons/dist/images/$icon.svg" "$out/icons/$icon.svg"
done
cp "$versions" "$out/VERSIONS"
echo "web/static/codex/ now holds Codex $VERSION:"
cat "$out/VERSIONS"
