"""Floor: export files: their names and folders, where they are kept, signed links.

May import only the other floor modules (``errors``, ``settings``) and ``exporters``.
"""

from assistant.files.names import export_folder, export_path, file_name, media_type_for, stem_for
from assistant.files.signing import LinkSigner
from assistant.files.storage import LocalStorage, Storage

__all__ = [
    "LinkSigner",
    "LocalStorage",
    "Storage",
    "export_folder",
    "export_path",
    "file_name",
    "media_type_for",
    "stem_for",
]
