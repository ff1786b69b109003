"""EPUB: chapters in the reading order of the OPF spine, each through the HTML extractor."""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

from desktop.core.documents.html import html_sections
from desktop.core.documents.model import Document, DocumentError, TextBuilder
from desktop.core.documents.text import decode_text
from desktop.core.documents.zipcheck import open_checked_zip, read_member

_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_OPF = "{http://www.idpf.org/2007/opf}"
_HTML_TYPES = {"application/xhtml+xml", "text/html"}


def load_epub(path: Path) -> Document:
    with open_checked_zip(path, "EPUB") as archive:
        opf_path = _rootfile(read_member(archive, "META-INF/container.xml", "EPUB"))
        opf = _parse_xml(read_member(archive, opf_path, "EPUB"))
        base = posixpath.dirname(opf_path)
        manifest = {
            item.get("id"): (item.get("href", ""), item.get("media-type", ""))
            for item in opf.iter(f"{_OPF}item")
        }
        builder = TextBuilder()
        for itemref in opf.iter(f"{_OPF}itemref"):
            href, media_type = manifest.get(itemref.get("idref"), ("", ""))
            if not href or media_type not in _HTML_TYPES:
                continue
            member = posixpath.normpath(posixpath.join(base, unquote(href.split("#")[0])))
            try:
                markup = decode_text(read_member(archive, member, "EPUB"))
            except DocumentError:
                continue  # one unreadable chapter should not lose the whole book
            for heading, text in html_sections(markup):
                builder.add(text, heading=heading)
    if not builder.segments:
        raise DocumentError("no readable text in this EPUB (is it DRM-protected?)")
    return builder.build(path, "epub")


def _rootfile(container_xml: bytes) -> str:
    root = _parse_xml(container_xml)
    for rootfile in root.iter(f"{_CONTAINER}rootfile"):
        if rootfile.get("full-path"):
            return rootfile.get("full-path")
    raise DocumentError("damaged EPUB file: no package document in META-INF/container.xml")


def _parse_xml(data: bytes) -> ET.Element:
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise DocumentError(f"damaged EPUB file ({exc})") from exc
