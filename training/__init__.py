"""Model training and data generation (`ner/`, `synth/`): not shipped in the wheel (only detectors,
vault, streams and veilstream are)."""
