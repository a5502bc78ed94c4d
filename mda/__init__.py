"""mda: maritime domain awareness pipeline."""
