"""``mobilenet``'s flip test (``detector.flip_test``): the mirrored image's output is flipped back
before it is merged, so a network that answers a mirrored image with the mirrored answer gives
the same boxes as without the flip."""

from __future__ import annotations

import numpy as np

from detectors.mobilenet import decode_centernet, merge_flipped

CLASSES, STRIDE = 3, 8


def mirrored_output(output: np.ndarray) -> np.ndarray:
    """What a perfectly mirror-symmetric network gives for the mirrored image: the map flipped
    left-right, each x offset measured from the other side of its cell."""
    mirrored = output[:, ::-1].copy()
    mirrored[..., CLASSES + 2] = 1.0 - mirrored[..., CLASSES + 2]
    return mirrored


def test_a_mirror_symmetric_network_gives_the_same_output_merged() -> None:
    rng = np.random.default_rng(0)
    output = rng.normal(0, 2, (9, 16, CLASSES + 4)).astype(np.float32)
    output[..., CLASSES + 2 :] = rng.uniform(0, 1, (9, 16, 2))
    merged = merge_flipped(output, mirrored_output(output), CLASSES)
    np.testing.assert_allclose(merged, output, atol=1e-4)
    for got, want in zip(decode_centernet(merged, CLASSES, STRIDE), decode_centernet(output, CLASSES, STRIDE)):
        np.testing.assert_allclose(got, want, atol=1e-3)


def test_a_peak_seen_in_one_view_only_keeps_half_its_probability() -> None:
    output = np.full((4, 6, CLASSES + 4), -20.0, np.float32)
    output[..., CLASSES:] = 0.5
    output[1, 2, 0] = 20.0  # probability 1 here, in the unmirrored view only
    merged = merge_flipped(output, np.full_like(output, -20.0), CLASSES)
    probability = 1 / (1 + np.exp(-merged[1, 2, 0]))
    assert abs(probability - 0.5) < 1e-3
