"""Files from outside: bombs and DOCTYPEs refused, links and macros stripped, and a
LibreOffice that never fetches what a document links to."""

from __future__ import annotations

import http.server
import io
import json
import re
import socketserver
import threading
import zipfile

import pikepdf
import pytest
from docx import Document
from docx.shared import Mm
from openpyxl import Workbook
from PIL import Image

from service.convert import Converter
from tests.helpers import run_zgsz


@pytest.fixture
def listener():
    """An HTTP server on loopback that records every request LibreOffice might make."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            image = io.BytesIO()
            Image.new("RGB", (40, 40), (255, 0, 0)).save(image, "PNG")
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(image.getvalue())

        def log_message(self, *args):
            pass

    server = socketserver.TCPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def rewrite(docx: bytes, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(entry.filename, change(entry.filename, source.read(entry)))
    return out.getvalue()


def linked_image_docx(url: str) -> bytes:
    """A report whose picture is linked, not embedded: Word's “link to file”."""
    document = Document()
    document.add_paragraph("链接图片")
    image = io.BytesIO()
    Image.new("RGB", (40, 40)).save(image, "PNG")
    document.add_picture(io.BytesIO(image.getvalue()), width=Mm(30))
    buffer = io.BytesIO()
    document.save(buffer)

    def change(name: str, data: bytes) -> bytes:
        if name == "word/_rels/document.xml.rels":
            return re.sub(rb'(Type="[^"]*/image") Target="[^"]*"',
                          rb'\1 Target="' + url.encode() + rb'" TargetMode="External"',
                          data)
        if name == "word/document.xml":
            return data.replace(b"r:embed=", b"r:link=")
        return data

    return rewrite(buffer.getvalue(), change)


def images_in(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return sum(len(page.get_images()) for page in document.pages)


def test_libreoffice_fetches_nothing_a_document_links(listener, tmp_path, libreoffice):
    url, hits = listener
    secret = tmp_path / "secret.png"
    Image.new("RGB", (60, 60), (0, 255, 0)).save(secret)

    with Converter() as converter:
        remote = converter.to_pdf(linked_image_docx(f"{url}/logo.png"))
        local = converter.to_pdf(linked_image_docx(secret.as_uri()))

    assert hits == []
    assert images_in(remote) == 0 and images_in(local) == 0


def test_check_strips_links_and_macros_and_says_so(listener, tmp_path):
    url, hits = listener
    buffer = io.BytesIO(linked_image_docx(f"{url}/logo.png"))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("word/vbaProject.bin", b"\x00macro")
    path = tmp_path / "报告.docx"
    path.write_bytes(buffer.getvalue())

    result = run_zgsz("check", str(path), "--json")

    stripped = [p["message"] for p in json.loads(result.stdout)["problems"]
                if p["code"] == "upload.stripped"]
    assert any(f"外部链接 {url}/logo.png" in m for m in stripped)
    assert any("word/vbaProject.bin" in m for m in stripped)
    assert hits == []


def test_zip_bomb_is_refused(tmp_path):
    path = tmp_path / "报告.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\x00" * (60 * 1024 * 1024))

    result = run_zgsz("check", str(path))

    assert result.returncode == 2
    assert "疑为压缩炸弹" in result.stderr


def test_doctype_is_refused(tmp_path):
    document = Document()
    document.add_paragraph("x")
    buffer = io.BytesIO()
    document.save(buffer)
    evil = rewrite(buffer.getvalue(), lambda name, data: data.replace(
        b"?>", b'?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1)
        if name == "word/document.xml" else data)
    path = tmp_path / "报告.docx"
    path.write_bytes(evil)

    result = run_zgsz("check", str(path))

    assert result.returncode == 2
    assert "word/document.xml 含有 DOCTYPE" in result.stderr


def test_roster_with_doctype_is_refused(tmp_path):
    book = Workbook()
    book.active.append(["企业名称", "统一社会信用代码"])
    buffer = io.BytesIO()
    book.save(buffer)
    evil = rewrite(buffer.getvalue(), lambda name, data:
                   b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>" + data
                   if name == "xl/workbook.xml" else data)
    path = tmp_path / "名单.xlsx"
    path.write_bytes(evil)

    result = run_zgsz("forms", str(path), "-o", str(tmp_path / "out"))

    assert result.returncode == 2
    assert "xl/workbook.xml 含有 DOCTYPE" in result.stderr


def test_pdf_scripts_are_stripped(tmp_path):
    from service.uploads import inspect_pdf_upload

    document = pikepdf.new()
    document.add_blank_page()
    document.Root.OpenAction = pikepdf.Dictionary(
        S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    buffer = io.BytesIO()
    document.save(buffer)

    inspected = inspect_pdf_upload(buffer.getvalue(), "评估报告")

    assert inspected.stripped == ["打开时自动执行的动作"]
    with pikepdf.open(io.BytesIO(inspected.content)) as clean:
        assert "/OpenAction" not in clean.Root
