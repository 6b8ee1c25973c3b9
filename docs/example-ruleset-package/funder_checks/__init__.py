"""Rule files of a funder's own expectations, published to partnership-rules."""
