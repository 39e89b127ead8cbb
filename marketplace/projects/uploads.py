"""Documents and photos: checked by content, stored outside static/ under random names."""

from __future__ import annotations

import io
import secrets
import warnings
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from marketplace.audit.services import record
from marketplace.errors import DomainError, ForbiddenError
from marketplace.extensions import db
from marketplace.projects.access import OWNER, project_roles
from marketplace.projects.models import DOCUMENT_KINDS, Project, ProjectDocument, ProjectPhoto

MAX_PHOTO_PIXELS = 40_000_000
PHOTO_MAX_SIDE = 1600


def upload_dir(kind: str) -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _require_owner(project: Project, actor) -> None:
    """The owner organisation adds files; actor None is the system (demo data, imports)."""
    if actor is not None and OWNER not in project_roles(actor, project):
        raise ForbiddenError(_("Only the owner organisation adds files to this listing."))


def pdf_page_count(data: bytes) -> int:
    """Pages of a real, unencrypted PDF; anything else raises DomainError."""
    if not data.startswith(b"%PDF-"):
        raise DomainError(_("This file is not a PDF document."), field="file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise DomainError(_("Password-protected PDFs are not accepted."), field="file")
            pages = len(reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError, RecursionError):
        raise DomainError(_("This PDF is damaged and cannot be read."), field="file") from None
    if pages < 1:
        raise DomainError(_("This PDF has no pages."), field="file")
    return pages


def add_document(project: Project, *, actor, kind: str, title: str, filename: str, data: bytes,
                 is_public: bool = True) -> ProjectDocument:
    _require_owner(project, actor)
    return store_document(project, actor=actor, kind=kind, title=title, filename=filename, data=data,
                          is_public=is_public)


def store_document(project: Project, *, actor, kind: str, title: str, filename: str, data: bytes,
                   is_public: bool = True) -> ProjectDocument:
    """Check and store a PDF for the project; the caller has already decided the actor may add it."""
    if kind not in DOCUMENT_KINDS:
        raise DomainError(_("Choose a known kind of document."), field="kind")
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Give the document a title."), field="title")
    limit = current_app.config["MAX_DOCUMENT_BYTES"]
    if len(data) > limit:
        raise DomainError(_("Documents may be at most %(mb)d MB.", mb=limit // (1024 * 1024)), field="file")
    pages = pdf_page_count(data)
    storage_name = f"{secrets.token_hex(16)}.pdf"
    (upload_dir("documents") / storage_name).write_bytes(data)
    document = ProjectDocument(project_id=project.id, kind=kind, title=title[:200], storage_name=storage_name,
                               original_name=(filename or "document.pdf")[-255:], size_bytes=len(data),
                               page_count=pages, is_public=is_public, uploaded_by_id=getattr(actor, "id", None))
    db.session.add(document)
    db.session.flush()
    record("project.document_added", actor=actor, object_type="project", object_id=project.id,
           after={"document_id": document.id, "kind": kind, "title": document.title, "public": is_public})
    return document


def reencode_photo(data: bytes) -> tuple[bytes, int, int]:
    """Decode any common image format and write a fresh JPEG: no EXIF, no scripts, bounded size."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PHOTO_PIXELS:
                raise DomainError(_("This image is too large."), field="file")
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            ValueError, SyntaxError):
        raise DomainError(_("This file is not an image we can read (use JPEG, PNG or WebP)."), field="file") from None
    image = image.convert("RGB")
    image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue(), image.width, image.height


def add_photo(project: Project, *, actor, data: bytes, caption: str = "") -> ProjectPhoto:
    _require_owner(project, actor)
    if len(data) > current_app.config["MAX_PHOTO_BYTES"]:
        raise DomainError(_("Photos may be at most %(mb)d MB.", mb=current_app.config["MAX_PHOTO_BYTES"] // 2**20),
                          field="file")
    encoded, width, height = reencode_photo(data)
    storage_name = f"{secrets.token_hex(16)}.jpg"
    (upload_dir("photos") / storage_name).write_bytes(encoded)
    position = len(project_photos(project))
    photo = ProjectPhoto(project_id=project.id, storage_name=storage_name, caption=(caption or "").strip()[:200],
                         width=width, height=height, position=position)
    db.session.add(photo)
    db.session.flush()
    record("project.photo_added", actor=actor, object_type="project", object_id=project.id,
           after={"photo_id": photo.id, "caption": photo.caption})
    return photo


def project_photos(project: Project) -> list[ProjectPhoto]:
    return list(db.session.scalars(
        db.select(ProjectPhoto).where(ProjectPhoto.project_id == project.id).order_by(ProjectPhoto.position)
    ))
