#!/usr/bin/env bash
# Fetch the book's web assets from the npm registry into _vendor/, so every page
# renders math with no network: MathJax 3 with its fonts and TeX extensions.
# (The widgets need no script from npm: dlnotes/viz/live.py writes their own.)
set -euo pipefail
cd "$(dirname "$0")/.."
out=_vendor
cache=.vendor-cache
rm -rf "$out" "$cache"
mkdir -p "$out" "$cache"
(cd "$cache" && npm pack --silent mathjax@3.2.2 >/dev/null)
for t in "$cache"/*.tgz; do
  mkdir -p "${t%.tgz}" && tar -xzf "$t" -C "${t%.tgz}"
done
mkdir -p "$out/mathjax/output/chtml/fonts" "$out/mathjax/input/tex"
mj="$cache"/mathjax-3.2.2/package/es5
cp "$mj/tex-chtml.js" "$out/mathjax/"
cp -r "$mj/output/chtml/fonts/woff-v2" "$out/mathjax/output/chtml/fonts/"
cp -r "$mj/input/tex/extensions" "$out/mathjax/input/tex/"
rm -rf "$cache"
touch "$out/.complete"
