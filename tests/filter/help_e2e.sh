#!/usr/bin/env bash
# `ffmpeg -h filter=realesrgan` documents every option: a description for each, the range
# of every numeric option and the default of every option that has one, and each named
# value of backend, precision, rounding, alpha, cpu_backend and cuda_conv.
. "$(dirname "$0")/_lib.sh"

OPTIONS=(model outscale rounding dn dn_model tile tile_pad pre_pad alpha backend precision cpu_backend cuda_conv device out_format dedup)
require_ffmpeg help_documents_options
"$FFMPEG" -hide_banner -h filter=realesrgan >"$WORK/help.txt" 2>&1

bad=""
for opt in "${OPTIONS[@]}"; do
    line=$(grep -E "^   $opt +<" "$WORK/help.txt")
    desc=$(echo "$line" | sed -E 's/^ +[a-z_]+ +<[a-z_]+> +[.A-Z]+ *//')
    case $line in
    "") bad="$bad $opt(missing)"; continue ;;
    *"<int>"*|*"<float>"*|*"<double>"*)
        echo "$line" | grep -q "(from .* to .*) (default " || bad="$bad $opt(no range or default)" ;;
    *"<pix_fmt>"*)
        echo "$line" | grep -q "(default " || bad="$bad $opt(no default)" ;;
    esac
    [ ${#desc} -ge 20 ] || bad="$bad $opt(no description)"
done
for value in auto cpu cuda fp16 bf16 fp32 fp8 truncate nearest bicubic network native onednn mma cutlass; do
    grep -qE "^     $value +-?[0-9]+ +[.A-Z]+ +[A-Za-z]" "$WORK/help.txt" || bad="$bad $value(undocumented value)"
done
# every option the filter has is in the list above (a new one must be documented too)
n=$(grep -cE "^   [a-z_]+ +<" "$WORK/help.txt")
[ "$n" -eq ${#OPTIONS[@]} ] || bad="$bad (the filter has $n options, this test knows ${#OPTIONS[@]})"
if [ -z "$bad" ]; then
    pass help_documents_options
else
    fail help_documents_options "$bad"
fi
finish
