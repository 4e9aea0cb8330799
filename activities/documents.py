"""Where documents live: files under $WEIQUAN_DOCUMENTS (default .weiquan/documents), one folder per
case or meeting. A folder is named by a workflow id, and workflow ids are chosen by whoever starts
the workflow, so the id must have its pattern and the resolved path must stay under the root."""

from __future__ import annotations

import os
import re
from pathlib import Path

from temporalio.exceptions import ApplicationError

from domain.identity import is_case_number, is_meeting_id

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$")


def documents_root() -> Path:
    return Path(os.environ.get("WEIQUAN_DOCUMENTS", ".weiquan/documents"))


def document_path(owner: str, name: str) -> Path:
    """The file ``name`` in the folder of case or meeting ``owner``. Anything else is refused for
    good (a retry would not make it safe)."""
    if not (is_case_number(owner) or is_meeting_id(owner)):
        raise unsafe(f"not a case number or meeting id: {owner[:40]!r}")
    if not NAME_RE.fullmatch(name) or ".." in name:
        raise unsafe(f"not a document name: {name[:40]!r}")
    root = documents_root().resolve()
    path = (root / owner / name).resolve()
    if not path.is_relative_to(root):
        raise unsafe(f"{owner}/{name} leaves the documents folder")
    return path


def unsafe(message: str) -> ApplicationError:
    return ApplicationError(message, type="UnsafePath", non_retryable=True)
