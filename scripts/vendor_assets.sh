#!/usr/bin/env bash
# Rebuild app/static/vendor/ (the JavaScript and CSS the map needs, served by Pesisir itself so the map works
# with no internet) from the npm registry. Needs npm. Versions are pinned here and in the README beside them.
set -euo pipefail
cd "$(dirname "$0")/.."
LEAFLET=1.9.4
MARKERCLUSTER=1.5.3
VECTORGRID=1.3.0
SWAGGER_UI=5.35.0
REDOC=2.5.4
dest=app/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "leaflet@$LEAFLET" "leaflet.markercluster@$MARKERCLUSTER" \
  "leaflet.vectorgrid@$VECTORGRID" "swagger-ui-dist@$SWAGGER_UI" "redoc@$REDOC" >/dev/null)
rm -rf "$dest/leaflet" "$dest/leaflet.markercluster" "$dest/leaflet.vectorgrid" "$dest/swagger-ui" "$dest/redoc"
mkdir -p "$dest/leaflet/images" "$dest/leaflet.markercluster" "$dest/leaflet.vectorgrid"
tar -xzf "$work/leaflet-$LEAFLET.tgz" -C "$work"
cp "$work/package/dist/leaflet.js" "$work/package/dist/leaflet.css" "$work/package/LICENSE" "$dest/leaflet/"
cp "$work/package/dist/images/"*.png "$dest/leaflet/images/"
rm -rf "$work/package"
tar -xzf "$work/leaflet.markercluster-$MARKERCLUSTER.tgz" -C "$work"
cp "$work/package/dist/leaflet.markercluster.js" "$work/package/dist/MarkerCluster.css" \
   "$work/package/dist/MarkerCluster.Default.css" "$work/package/MIT-LICENCE.txt" "$dest/leaflet.markercluster/"
rm -rf "$work/package"
tar -xzf "$work/leaflet.vectorgrid-$VECTORGRID.tgz" -C "$work"
cp "$work/package/dist/Leaflet.VectorGrid.bundled.min.js" "$dest/leaflet.vectorgrid/"
rm -rf "$work/package"
# /docs and /redoc (served from here, so the Content-Security-Policy names no CDN)
mkdir -p "$dest/swagger-ui" "$dest/redoc"
tar -xzf "$work/swagger-ui-dist-$SWAGGER_UI.tgz" -C "$work"
cp "$work/package/swagger-ui-bundle.js" "$work/package/swagger-ui.css" "$work/package/LICENSE" "$dest/swagger-ui/"
rm -rf "$work/package"
tar -xzf "$work/redoc-$REDOC.tgz" -C "$work"
cp "$work/package/bundles/redoc.standalone.js" "$work/package/LICENSE" "$dest/redoc/"
# ReDoc's "API docs by Redocly" link shows an image from cdn.redoc.ly: point it at a local one of our own.
sed -i 's#https://cdn.redoc.ly/redoc/logo-mini.svg#/static/vendor/redoc/logo-mini.svg#' "$dest/redoc/redoc.standalone.js"
cat >"$dest/redoc/logo-mini.svg" <<'SVG'
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16" width="16" height="16"><rect x="2" y="1" width="12" height="14" rx="2" fill="none" stroke="#666" stroke-width="1.5"/><path d="M5 5h6M5 8h6M5 11h4" stroke="#666" stroke-width="1.5"/></svg>
SVG
echo "vendored leaflet $LEAFLET, leaflet.markercluster $MARKERCLUSTER, leaflet.vectorgrid $VECTORGRID," \
  "swagger-ui-dist $SWAGGER_UI, redoc $REDOC into $dest"
