#!/bin/sh
# Makes the jpeg-scanner test corpus with real encoders: ffmpeg, cjpeg (libjpeg-turbo),
# ImageMagick and exiftool. Usage: make-corpus.sh [OUT_DIR] (default: this folder).
# The committed files were made by this script; test/corpus.test.ts runs it again into a
# temporary folder when the tools are present and checks the fresh files the same way.
set -eu
out=${1:-$(dirname "$0")}
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ffq() { ffmpeg -hide_banner -loglevel error -y "$@"; }

# Sources: ffmpeg's test pattern as PPM (cjpeg's input) and PGM.
ffq -f lavfi -i testsrc=size=160x120:rate=1 -frames:v 1 "$work/src.ppm"
ffq -f lavfi -i testsrc2=size=64x48:rate=1 -frames:v 1 "$work/small.ppm"
ffq -f lavfi -i testsrc=size=320x240:rate=1 -frames:v 1 -pix_fmt gray "$work/gray.pgm"

# ffmpeg's MJPEG encoder, as `ffmpeg -f mjpeg -` pipes it: 4:2:0 and 4:4:4, three frames of a clip.
ffq -f lavfi -i testsrc=size=160x120:rate=10 -frames:v 3 -c:v mjpeg -q:v 5 -pix_fmt yuvj420p "$out/ffmpeg-420-%d.jpg"
ffq -f lavfi -i testsrc2=size=96x64:rate=1 -frames:v 1 -c:v mjpeg -q:v 3 -pix_fmt yuvj444p "$out/ffmpeg-444.jpg"

# libjpeg-turbo: baseline 4:2:0, 4:4:4, grayscale, progressive, restart markers, arithmetic.
cjpeg -quality 75 -sample 2x2 "$work/src.ppm" >"$out/cjpeg-420.jpg"
cjpeg -quality 90 -sample 1x1 "$work/src.ppm" >"$out/cjpeg-444.jpg"
cjpeg -quality 80 -grayscale "$work/gray.pgm" >"$out/cjpeg-gray.jpg"
cjpeg -quality 75 -progressive "$work/src.ppm" >"$out/cjpeg-progressive.jpg"
cjpeg -quality 75 -restart 5B "$work/src.ppm" >"$out/cjpeg-restart.jpg"
cjpeg -quality 75 -arithmetic "$work/small.ppm" >"$out/cjpeg-arithmetic.jpg"

# ImageMagick: 4:2:2 and CMYK (four components, Adobe APP14).
convert "$work/src.ppm" -quality 70 -sampling-factor 2x1 "$out/magick-422.jpg"
convert "$work/small.ppm" -colorspace CMYK -quality 70 "$out/magick-cmyk.jpg"

# exiftool: an Exif APP1 holding a thumbnail (its own FF D8…FF D9) and an orientation, in
# big-endian (MM) and little-endian (II) TIFF order.
cjpeg -quality 60 "$work/small.ppm" >"$work/thumb.jpg"
cp "$out/cjpeg-420.jpg" "$out/exif-thumbnail-mm.jpg"
exiftool -q -overwrite_original -ExifByteOrder=MM '-ThumbnailImage<='"$work/thumb.jpg" -Orientation=6 -n "$out/exif-thumbnail-mm.jpg"
cp "$out/cjpeg-progressive.jpg" "$out/exif-thumbnail-ii.jpg"
exiftool -q -overwrite_original -ExifByteOrder=II '-ThumbnailImage<='"$work/thumb.jpg" -Orientation=3 -n "$out/exif-thumbnail-ii.jpg"

# Crafted from the above with byte surgery (the bytes stay valid JPEG):
# a COM segment right after SOI whose text holds FF D8 and FF D9 (length 2 + 10 = 0x000C)…
base="$out/cjpeg-420.jpg"
{ head -c 2 "$base"; printf '\377\376\000\014x\377\331y\377\330z\377\331!'; tail -c +3 "$base"; } >"$out/com-ffd9.jpg"
# …and fill bytes (runs of FF, T.81 B.1.1.2) before the first marker and before EOI.
size=$(wc -c <"$base")
{ head -c 2 "$base"; printf '\377\377\377'; tail -c +3 "$base" | head -c $((size - 4)); printf '\377\377\377\331'; } >"$out/fill-bytes.jpg"
