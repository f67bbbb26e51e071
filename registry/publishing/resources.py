"""Where the registry's shipped shapes (``shapes/``) are found."""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Union

from importlib.resources.abc import Traversable

SHACL_SHACL = "shacl-shacl.ttl"


def shapes_dir() -> Union[Path, Traversable]:
    """The directory of shipped shapes.

    From a source checkout this is the repository's top-level ``shapes/``
    (``Path(__file__).parents[2] / "shapes"``); in an installed wheel, where ``shapes/`` is
    force-included as ``registry/_bundled/shapes``, it is that package resource.
    """
    checkout = Path(__file__).resolve().parents[2] / "shapes"
    if (checkout / SHACL_SHACL).is_file():
        return checkout
    return importlib.resources.files("registry") / "_bundled" / "shapes"
