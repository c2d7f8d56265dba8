"""Model training and data preparation: not shipped in the wheel (only detectors, vault, streams are)."""
