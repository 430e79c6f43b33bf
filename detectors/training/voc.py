"""Pascal-VOC annotations: ``frameNNNN.jpg`` + ``frameNNNN.xml`` pairs in one folder."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from detectors.labelled import LabelledImage

# bus has 3 boxes in traffic-voc/train and none in test: too few to learn, so it joins
# truck as "large vehicle" under the truck label.
VOC_CLASS_MAP = {"car": "car", "motorcycle": "motorcycle", "truck": "truck", "bus": "truck"}


def read_voc_xml(xml_path: Path) -> tuple[np.ndarray, tuple[str, ...]]:
    root = ET.parse(xml_path).getroot()
    boxes, labels = [], []
    for obj in root.findall("object"):
        name = VOC_CLASS_MAP.get(obj.findtext("name", "").strip().lower())
        box = obj.find("bndbox")
        if name is None or box is None:
            continue
        boxes.append([float(box.findtext(key, "0")) for key in ("xmin", "ymin", "xmax", "ymax")])
        labels.append(name)
    return np.asarray(boxes, np.float32).reshape(-1, 4), tuple(labels)


def read_voc_folder(folder: Path) -> list[LabelledImage]:
    """Every jpg in ``folder`` that has an xml beside it (unlabelled jpgs are skipped), sorted."""
    items = []
    for xml_path in sorted(Path(folder).glob("*.xml")):
        image_path = xml_path.with_suffix(".jpg")
        if image_path.is_file():
            xyxy, labels = read_voc_xml(xml_path)
            items.append(LabelledImage(image_path, xyxy, labels))
    return items
