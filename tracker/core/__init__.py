"""The neutral core every other part imports: the data types passed between the parts, the
protocols each part implements, the one user-facing error type, and shared file helpers.

It imports nothing from the rest of ``tracker`` nor from ``detectors`` (an import-linter
contract in ``pyproject.toml`` keeps it so).
"""
