"""The Keras networks of the project's own detectors (defined here, trained by our code).

Both take RGB float32 images with values 0..255 and rescale inside the model.
"""

from __future__ import annotations

import keras
from keras import layers

BATCH_NORM_MOMENTUM = 0.9
HEATMAP_PRIOR_BIAS = -2.19  # sigmoid(-2.19) ~ 0.1: CenterNet's initial heatmap bias


def smaller_vgg(patch_size: int, num_classes: int, dense_units: int = 256) -> keras.Model:
    """SmallerVGG patch classifier: conv 32 -> pool -> 2x conv 64 -> pool -> 2x conv 128 ->
    pool -> dense -> softmax, each conv followed by batch norm, dropout after each block."""
    inputs = keras.Input((patch_size, patch_size, 3), name="patch")
    x = layers.Rescaling(1.0 / 255.0)(inputs)
    x = _conv_bn(x, 32)
    x = layers.MaxPooling2D(3)(x)
    x = layers.Dropout(0.25)(x)
    for filters in (64, 128):
        x = _conv_bn(x, filters)
        x = _conv_bn(x, filters)
        x = layers.MaxPooling2D(2)(x)
        x = layers.Dropout(0.25)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(dense_units, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="class_probabilities")(x)
    return keras.Model(inputs, outputs, name="smaller_vgg")


def _conv_bn(x, filters: int):
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def mobilenet_centernet(
    input_height: int | None,
    input_width: int | None,
    num_classes: int,
    alpha: float = 0.35,
    head_channels: int = 64,
    output_stride: int = 4,
) -> keras.Model:
    """MobileNetV2 backbone (width ``alpha``, random init) + a light FPN from stride 16 down to
    ``output_stride`` (4 or 8) + CenterNet heads. Fully convolutional: ``None`` sizes accept any
    multiple of 32. Output ``(H/s, W/s, num_classes + 4)``: per-class centre heatmap logits, then
    log box width/height in output cells, then the centre's sub-cell offset. The backbone's
    layers keep Keras' names (``block_N_*``), which ``detectors.training.ssdlite_backbone`` fills."""
    if output_stride not in (4, 8):
        raise ValueError(f"output_stride must be 4 or 8, not {output_stride}")
    inputs = keras.Input((input_height, input_width, 3), name="image")
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0)(inputs)
    backbone = keras.applications.MobileNetV2(input_tensor=x, alpha=alpha, include_top=False, weights=None)
    stride4, stride8, stride16 = (
        backbone.get_layer(name).output
        for name in ("block_3_expand_relu", "block_6_expand_relu", "block_13_expand_relu")
    )
    x = _pointwise(stride16, head_channels)
    for lateral in (stride8, stride4) if output_stride == 4 else (stride8,):
        x = layers.UpSampling2D(2, interpolation="bilinear")(x)
        x = layers.Add()([x, _pointwise(lateral, head_channels)])
        x = layers.SeparableConv2D(head_channels, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU(6.0)(x)
    heatmap = layers.Conv2D(
        num_classes, 1, name="heatmap_logits", bias_initializer=keras.initializers.Constant(HEATMAP_PRIOR_BIAS)
    )(_head_trunk(x, head_channels))
    size = layers.Conv2D(2, 1, name="log_size")(_head_trunk(x, head_channels))
    offset = layers.Conv2D(2, 1, activation="sigmoid", name="offset")(_head_trunk(x, head_channels))
    outputs = layers.Concatenate(name="centernet")([heatmap, size, offset])
    model = keras.Model(inputs, outputs, name="mobilenet_centernet")
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            # Keras' MobileNetV2 uses momentum 0.999: after a few hundred CPU training steps the
            # moving statistics are still near their initial values and inference collapses.
            layer.momentum = BATCH_NORM_MOMENTUM
    return model


def _pointwise(x, channels: int):
    x = layers.Conv2D(channels, 1, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU(6.0)(x)


def _head_trunk(x, channels: int):
    return layers.Conv2D(channels, 3, padding="same", activation="relu")(x)
