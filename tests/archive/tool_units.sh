#!/usr/bin/env bash
# tools/archive-upscale's pure parts (tests/archive/_units.py): the cut planner (closed and
# open GOPs, leading undecodable packets), timestamp rounding, the filter's model files, the
# command-line checks, subtitle codecs per container.
exec python3 "$(dirname "$0")/_units.py"
