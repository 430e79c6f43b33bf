"""Transfer learning: the MobileNetV2 read out of SSDLite's frozen graph and loaded into Keras'
MobileNetV2 computes the graph's own feature maps on a real frame.

Measured (2026-11-30) on PETS09-S3-MF1 frame 1 at 512x288: largest difference 6.7e-6 at stride 8
(block 6 expansion, mean activation 0.40) and 1.3e-5 at stride 16 (block 13 expansion, mean
0.41): float rounding. A layer left at its random initialisation differs by about the mean.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

pytestmark = pytest.mark.slow

# Keras layer -> the frozen graph's tensor (without FeatureExtractor/MobilenetV2/)
FEATURE_MAPS = {
    "block_6_expand_relu": "expanded_conv_6/expand/Relu6",  # stride 8, the detector's fine level
    "block_13_expand_relu": "expanded_conv_13/expand/Relu6",  # stride 16, its coarse level
}
MAX_DIFFERENCE = 1e-4  # float error; measured at most 1.3e-5


@pytest.fixture(scope="module")
def frame(shared_data) -> np.ndarray:
    image = cv2.imread(str(shared_data / "mot" / "PETS09-S3-MF1" / "img1" / "000001.jpg"))
    return cv2.cvtColor(cv2.resize(image, (512, 288)), cv2.COLOR_BGR2RGB)[None].astype(np.float32)


@pytest.fixture(scope="module")
def loaded_model():
    from detectors.nets import mobilenet_centernet
    from detectors.ssdlite_graph import find_graph
    from detectors.training.ssdlite_backbone import load_into

    model = mobilenet_centernet(288, 512, 6, alpha=1.0, head_channels=64, output_stride=8)
    copied = load_into(model, find_graph())
    return model, copied


def test_every_backbone_layer_the_detector_uses_is_filled(loaded_model) -> None:
    model, copied = loaded_model
    backbone = [
        layer for layer in model.layers if layer.name.startswith(("Conv1", "bn_Conv1", "expanded_conv", "block_"))
    ]
    backbone_parameters = sum(w.size for layer in backbone for w in layer.get_weights())
    assert copied == backbone_parameters == 616_256  # stem to block 13's expansion


@pytest.mark.parametrize("keras_layer", FEATURE_MAPS)
def test_keras_backbone_reproduces_the_frozen_graphs_feature_maps(loaded_model, frame, keras_layer) -> None:
    import keras

    from detectors.ssdlite_graph import find_graph
    from detectors.training.ssdlite_backbone import graph_feature_map

    model, _ = loaded_model
    expected = graph_feature_map(find_graph(), frame, FEATURE_MAPS[keras_layer])
    features = np.asarray(keras.Model(model.input, model.get_layer(keras_layer).output)(frame, training=False))
    assert features.shape == expected.shape
    assert np.abs(expected).mean() > 0.1  # real activations, not an all-zero map
    assert np.abs(features - expected).max() < MAX_DIFFERENCE


def test_a_model_of_another_width_is_refused() -> None:
    from detectors.nets import mobilenet_centernet
    from detectors.ssdlite_graph import find_graph
    from detectors.training.ssdlite_backbone import load_into
    from tracker.core.errors import UserError

    with pytest.raises(UserError, match="needs alpha 1.0"):
        load_into(mobilenet_centernet(64, 64, 6, alpha=0.35, output_stride=8), find_graph())
