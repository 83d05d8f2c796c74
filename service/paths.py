"""Where the project's data lives: templates, skeletons and domain files.

They sit at the top of the checkout (people who do not write Python edit them), so the
package is installed in editable mode. ZGSZ_HOME points elsewhere when needed.
"""

import os
from pathlib import Path

HOME = Path(os.environ.get("ZGSZ_HOME") or Path(__file__).resolve().parents[1])
TEMPLATES = HOME / "templates_docx"
SKELETONS = HOME / "report_skeletons"
DOMAIN = HOME / "domain"
EXAMPLES = HOME / "examples"


def template_dir() -> Path:
    """Where custom templates are kept (ZGSZ_TEMPLATE_DIR; shared by all workers)."""
    return Path(os.environ.get("ZGSZ_TEMPLATE_DIR") or HOME / "templates_custom")


def custom_template(name: str, kind: str) -> Path:
    return template_dir() / f"{name}.{kind}.docx"
