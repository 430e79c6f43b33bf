"""Training side of the project's own detectors: data, targets, Keras runs, export.

Imported by ``scripts/train_*.py``; the detectors themselves only need ``detectors.nets``.
"""
