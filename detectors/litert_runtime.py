"""Running TensorFlow Lite models on LiteRT (PyPI ``ai-edge-litert``), TensorFlow's own inference
runtime, without TensorFlow: it imports in about 0.3 s, and ``invoke()`` releases the GIL."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from detectors.tensorflow_runtime import quiet_stderr
from tracker.core.errors import UserError


class LiteRTModel:
    """One ``.tflite`` model on the XNNPACK CPU delegate. A call takes a batch and returns each
    output stacked over it: one ``invoke`` for the whole batch when the model's batch dimension
    is free, otherwise one per image."""

    def __init__(self, path: Path, threads: int = 0) -> None:
        from ai_edge_litert.interpreter import Interpreter

        try:
            with quiet_stderr():  # the XNNPACK delegate announces itself on stderr
                self._interpreter = Interpreter(model_path=str(path), num_threads=threads or os.cpu_count() or 1)
                self._interpreter.allocate_tensors()
        except (OSError, ValueError, RuntimeError) as error:
            raise UserError(f"cannot load model {path}: {error}") from None
        details = self._interpreter.get_input_details()[0]
        self._input_index = details["index"]
        self.input_shape: tuple[int, ...] = tuple(int(v) for v in details["shape"])
        self._batched = int(details["shape_signature"][0]) == -1
        self._output_indices = [d["index"] for d in self._interpreter.get_output_details()]

    @property
    def input_size(self) -> tuple[int, int]:
        """The (width, height) of the image the model takes."""
        return self.input_shape[2], self.input_shape[1]

    def __call__(self, batch: np.ndarray) -> list[np.ndarray]:
        if not self._batched:
            runs = [self._invoke(image[None]) for image in batch]
            return [np.concatenate(outputs) for outputs in zip(*runs)]
        if batch.shape != self.input_shape:
            self._interpreter.resize_tensor_input(self._input_index, list(batch.shape))
            self._interpreter.allocate_tensors()
            self.input_shape = batch.shape
        return self._invoke(batch)

    def _invoke(self, batch: np.ndarray) -> list[np.ndarray]:
        self._interpreter.set_tensor(self._input_index, np.ascontiguousarray(batch, np.float32))
        self._interpreter.invoke()
        return [self._interpreter.get_tensor(index).copy() for index in self._output_indices]
