"""archive-upscale's modules (the entry point is tools/archive-upscale)."""
