"""The document library: indexing files into Milvus (Lite or server) and hybrid retrieval.

    lib = Library.open(ctx)                    # or Library(uri, catalog_path, model_path)
    lib.load()                                 # at start-up, from a worker
    report = lib.add([folder], cancel, progress)
    hits = lib.search("question", top_k=3)     # any thread; one hit per document
    lib.documents(); lib.remove(path); lib.rescan_watched()
    lib.reopen(other_model); lib.close()       # both wait for the searches in flight
"""

from desktop.core.library.catalog import ERROR, INDEXED, INDEXING, SKIPPED, DocumentRecord
from desktop.core.library.lifecycle import LibraryClosed
from desktop.core.library.service import (
    IN_USE_MESSAGE,
    NO_MODEL_MESSAGE,
    AddReport,
    Hit,
    IndexProgress,
    Library,
    LibraryInUse,
    Location,
)

__all__ = ["ERROR", "IN_USE_MESSAGE", "INDEXED", "INDEXING", "NO_MODEL_MESSAGE", "SKIPPED", "AddReport",
           "DocumentRecord", "Hit", "IndexProgress", "Library", "LibraryClosed", "LibraryInUse",
           "Location"]
