#!/usr/bin/env bash
# Refresh the front-end libraries vendored under static/vendor/ from the npm registry.
#
# The page has no build step and must work offline on a classroom LAN, so the libraries
# it imports are copied here unmodified (browser builds plus licence and package.json)
# and committed. Pin versions below; run `scripts/vendor.sh` and commit the result.
set -euo pipefail

UPLOT_VERSION="${UPLOT_VERSION:-1.6.32}"
FFLATE_VERSION="${FFLATE_VERSION:-0.8.3}"
QRCODE_VERSION="${QRCODE_VERSION:-2.0.4}"

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/static/vendor"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

fetch() {  # fetch NAME VERSION -> unpacks into $TMP/NAME/package
  local name="$1" version="$2"
  (cd "$TMP" && npm pack --silent "$name@$version" >/dev/null)
  mkdir -p "$TMP/$name"
  tar xzf "$TMP/$name-$version.tgz" -C "$TMP/$name"
}

fetch uplot "$UPLOT_VERSION"
fetch fflate "$FFLATE_VERSION"
fetch qrcode-generator "$QRCODE_VERSION"

rm -rf "$DEST/uplot" "$DEST/fflate" "$DEST/qrcode-generator"
mkdir -p "$DEST/uplot" "$DEST/fflate" "$DEST/qrcode-generator"
# uPlot: the whole dist folder (ESM build imported by js/loss-chart.js, its CSS by index.html).
cp -r "$TMP/uplot/package/dist" "$DEST/uplot/"
cp "$TMP/uplot/package/LICENSE" "$TMP/uplot/package/package.json" "$TMP/uplot/package/README.md" "$DEST/uplot/"
# fflate: the browser ESM build (imported by js/frame.js for zlib-deflated arrays).
cp -r "$TMP/fflate/package/esm" "$DEST/fflate/"
cp "$TMP/fflate/package/LICENSE" "$TMP/fflate/package/package.json" "$TMP/fflate/package/README.md" "$DEST/fflate/"
# qrcode-generator: the ESM build (the teacher dashboard's join-link QR code, js/teach/qr.js);
# the package ships no LICENSE file: its MIT notice is the head of dist/qrcode.mjs.
cp "$TMP/qrcode-generator/package/dist/qrcode.mjs" "$TMP/qrcode-generator/package/package.json" \
   "$TMP/qrcode-generator/package/README.md" "$DEST/qrcode-generator/"

cat > "$DEST/VERSIONS.md" <<MD
# Vendored front-end libraries

Copied unmodified from the npm registry by \`scripts/vendor.sh\`; do not edit by hand.

| package | version | licence | files used by the page |
|---|---|---|---|
| [uplot](https://www.npmjs.com/package/uplot) | $UPLOT_VERSION | MIT (uplot/LICENSE) | uplot/dist/uPlot.esm.js, uplot/dist/uPlot.min.css |
| [fflate](https://www.npmjs.com/package/fflate) | $FFLATE_VERSION | MIT (fflate/LICENSE) | fflate/esm/browser.js |
| [qrcode-generator](https://www.npmjs.com/package/qrcode-generator) | $QRCODE_VERSION | MIT (notice at the head of qrcode-generator/qrcode.mjs) | qrcode-generator/qrcode.mjs |
MD
echo "vendored uplot $UPLOT_VERSION, fflate $FFLATE_VERSION and qrcode-generator $QRCODE_VERSION into $DEST"
