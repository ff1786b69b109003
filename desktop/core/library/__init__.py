"""The document library: indexing files into Milvus (Lite or server) and hybrid retrieval.

    lib = Library.open(ctx)                    # or Library(uri, catalog_path, model_path)
    lib.load()                                 # at start-up, from a worker
    report = lib.add([folder], cancel, progress)
    hits = lib.search("question", top_k=3)     # any thread
    lib.documents(); lib.remove(path); lib.rescan_watched()
"""

from desktop.core.library.catalog import ERROR, INDEXED, INDEXING, SKIPPED, DocumentRecord
from desktop.core.library.service import NO_MODEL_MESSAGE, AddReport, Hit, IndexProgress, Library

__all__ = ["ERROR", "INDEXED", "INDEXING", "NO_MODEL_MESSAGE", "SKIPPED", "AddReport",
           "DocumentRecord", "Hit", "IndexProgress", "Library"]
