"""Documents: one loader per format, and a chunker that respects their structure.

    load_document(path) -> Document        raises DocumentError (message for the user)
    document_kind(path) -> "pdf" | ... | None
    check_limits(path)                     the size checks alone, before reading anything
    chunk_document(doc, count_tokens, target_tokens, overlap_tokens) -> list[Chunk]
    DocumentReader().read(path) -> Document  the same, in a capped child process: what the app
                                           uses on the files people give it (see `isolated`)
"""

from desktop.core.documents.chunker import Chunk, chunk_document
from desktop.core.documents.formats import check_limits, document_kind, load_document
from desktop.core.documents.isolated import DocumentReader, ReaderBug, shared_reader
from desktop.core.documents.model import Document, DocumentError, Segment

__all__ = ["Chunk", "Document", "DocumentError", "DocumentReader", "ReaderBug", "Segment",
           "check_limits", "chunk_document", "document_kind", "load_document", "shared_reader"]
