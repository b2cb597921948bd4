#!/bin/sh
# Unpacks the vendored tiny models into complete Hugging Face folders for the tests:
#   unpack.sh STAMP DEST_DIR SRC_DIR [VOCAB]
# Each SRC_DIR/<model>/ becomes DEST_DIR/<model>/ with its *.zst files decompressed, other files
# copied, and VOCAB (the vendored WordPiece vocabulary) copied in as vocab.txt when it exists.
set -eu
stamp=$1 dest=$2 src=$3 vocab=${4:-}
for model in "$src"/*/; do
  name=$(basename "$model")
  mkdir -p "$dest/$name"
  for file in "$model"*; do
    case "$file" in
      *.zst) zstd -d -q -f "$file" -o "$dest/$name/$(basename "$file" .zst)" ;;
      *) cp -f "$file" "$dest/$name/" ;;
    esac
  done
  if [ -n "$vocab" ] && [ -f "$vocab" ]; then cp -f "$vocab" "$dest/$name/vocab.txt"; fi
done
touch "$stamp"
