"""Documents are real PDFs, stored under random names outside static/, served only to those allowed."""

import io
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.projects.models import ProjectDocument, ProjectPhoto
from tests.projects.test_vetting_journey import client_for, publish


def pdf_bytes(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(fmt: str = "PNG") -> bytes:
    image = Image.new("RGB", (2400, 1200), (11, 93, 75))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def app_overrides(tmp_path):
    return {"UPLOAD_FOLDER": str(tmp_path / "uploads"), "MAX_DOCUMENT_BYTES": 200_000}


def upload(person, project_id, data: bytes, name: str, **fields):
    form = {"kind": "feasibility", "title": "Étude de faisabilité", "is_public": "y", **fields,
            "file": (io.BytesIO(data), name)}
    return person.post_form(f"/projects/{project_id}/documents", form, form_url=f"/projects/{project_id}",
                            content_type="multipart/form-data")


def documents(app, project_id):
    with app.app_context():
        return db.session.scalars(select(ProjectDocument).where(ProjectDocument.project_id == project_id)).all()


def test_real_pdf_is_stored_under_a_random_name_outside_static(app, cast, projects, tmp_path):
    project_id = projects.draft(owner=cast.owner, organisation=cast.ngo, bank=cast.bank)
    owner = client_for(app, cast.owner)
    assert upload(owner, project_id, pdf_bytes(3), "etude.pdf").status_code == 302
    [document] = documents(app, project_id)
    assert document.page_count == 3
    stored = Path(app.config["UPLOAD_FOLDER"]) / "documents" / document.storage_name
    assert stored.read_bytes().startswith(b"%PDF-")
    assert "etude" not in document.storage_name and len(document.storage_name) == 36
    assert "static" not in str(stored)


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"MZ\x90\x00 this is an executable", "report.pdf", "This file is not a PDF document."),
    (b"%PDF-1.7\n garbage that is not a pdf", "broken.pdf", "This PDF is damaged"),
    (b"%PDF-1.4\n" + b"0" * 250_000, "huge.pdf", "Documents may be at most"),
])
def test_fake_broken_or_oversized_pdf_is_refused(app, cast, projects, data, name, message):
    project_id = projects.draft(owner=cast.owner, organisation=cast.ngo, bank=cast.bank)
    owner = client_for(app, cast.owner)
    upload(owner, project_id, data, name)
    assert documents(app, project_id) == []
    assert message in owner.client.get(f"/projects/{project_id}").get_data(as_text=True)
    assert not list((Path(app.config["UPLOAD_FOLDER"]) / "documents").glob("*"))


def test_only_the_owner_uploads(app, cast, projects):
    project_id = projects.draft(owner=cast.owner, organisation=cast.ngo, bank=cast.bank)
    banker = client_for(app, cast.banker)
    assert upload(banker, project_id, pdf_bytes(), "x.pdf").status_code in (403, 404)
    assert documents(app, project_id) == []


def test_private_document_is_served_to_parties_only(app, cast, projects):
    project_id = publish(app, cast, projects)
    owner = client_for(app, cast.owner)
    upload(owner, project_id, pdf_bytes(), "letter.pdf", kind="bank_letter", title="Lettre de la banque",
           is_public="")
    upload(owner, project_id, pdf_bytes(), "kiis.pdf", kind="kiis", title="Fiche d'informations clés")
    private, public = sorted(documents(app, project_id), key=lambda d: d.is_public)
    visitor = app.test_client()
    with visitor.get(f"/projects/documents/{public.id}") as response:
        assert response.status_code == 200
    assert visitor.get(f"/projects/documents/{private.id}").status_code == 404
    with owner.client.get(f"/projects/documents/{private.id}") as served:
        assert served.status_code == 200
        assert served.headers["Content-Type"] == "application/pdf"
        assert served.headers["Content-Disposition"].startswith("attachment")
        assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "Lettre de la banque" not in visitor.get(f"/projects/{project_id}").get_data(as_text=True)


def test_documents_of_an_unpublished_project_are_hidden_from_the_public(app, cast, projects):
    project_id = projects.draft(owner=cast.owner, organisation=cast.ngo, bank=cast.bank)
    owner = client_for(app, cast.owner)
    upload(owner, project_id, pdf_bytes(), "kiis.pdf")
    [document] = documents(app, project_id)
    assert app.test_client().get(f"/projects/documents/{document.id}").status_code == 404


def test_photo_is_reencoded_as_bounded_jpeg(app, cast, projects):
    project_id = projects.draft(owner=cast.owner, organisation=cast.ngo, bank=cast.bank)
    owner = client_for(app, cast.owner)
    response = owner.post_form(f"/projects/{project_id}/photos",
                               {"caption": "Le site", "file": (io.BytesIO(image_bytes()), "site.png")},
                               form_url=f"/projects/{project_id}", content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        photo = db.session.scalar(select(ProjectPhoto).where(ProjectPhoto.project_id == project_id))
    with Image.open(Path(app.config["UPLOAD_FOLDER"]) / "photos" / photo.storage_name) as stored:
        assert stored.format == "JPEG"
        assert max(stored.size) == 1600
    with owner.client.get(f"/projects/photos/{photo.id}") as served:
        assert served.headers["Content-Type"] == "image/jpeg"


def test_a_script_disguised_as_an_image_is_refused(app, cast, projects):
    project_id = projects.draft(owner=cast.owner, organisation=cast.ngo, bank=cast.bank)
    owner = client_for(app, cast.owner)
    owner.post_form(f"/projects/{project_id}/photos",
                    {"file": (io.BytesIO(b"<svg onload=alert(1)></svg>"), "cute.jpg")},
                    form_url=f"/projects/{project_id}", content_type="multipart/form-data")
    with app.app_context():
        assert db.session.scalar(select(ProjectPhoto).where(ProjectPhoto.project_id == project_id)) is None
