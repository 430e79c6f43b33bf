"""Writers for the run's outputs: MOT tracks, CSV tracks, annotated video, summary."""
