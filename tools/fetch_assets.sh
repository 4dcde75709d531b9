#!/usr/bin/env bash
# Fetch the book's web assets from the npm registry into _vendor/, so every page
# renders math and widgets with no network: MathJax 3 (with its fonts and TeX
# extensions), require.js and the Jupyter widget HTML manager.
set -euo pipefail
cd "$(dirname "$0")/.."
out=_vendor
cache=.vendor-cache
rm -rf "$out" "$cache"
mkdir -p "$out" "$cache"
(cd "$cache" && npm pack --silent mathjax@3.2.2 @jupyter-widgets/html-manager@1.0.15 requirejs@2.3.8 >/dev/null)
for t in "$cache"/*.tgz; do
  mkdir -p "${t%.tgz}" && tar -xzf "$t" -C "${t%.tgz}"
done
mkdir -p "$out/mathjax/output/chtml/fonts" "$out/mathjax/input/tex"
mj="$cache"/mathjax-3.2.2/package/es5
cp "$mj/tex-chtml.js" "$out/mathjax/"
cp -r "$mj/output/chtml/fonts/woff-v2" "$out/mathjax/output/chtml/fonts/"
cp -r "$mj/input/tex/extensions" "$out/mathjax/input/tex/"
cp "$cache"/requirejs-2.3.8/package/require.js "$out/require.js"
# embed-amd.js loads its icon fonts from beside itself: keep the dist folder whole
mkdir -p "$out/@jupyter-widgets/html-manager/dist"
hm="$cache"/jupyter-widgets-html-manager-1.0.15/package/dist
find "$hm" -maxdepth 1 -type f ! -name '*.map' ! -name 'embed.js*' ! -name 'libembed-amd.js' \
  -exec cp {} "$out/@jupyter-widgets/html-manager/dist/" \;
rm -rf "$cache"
touch "$out/.complete"
