"""Uploads stay in memory: no uploaded byte is ever written to a temporary file on disk.

An image sent with an abuse-material report must leave nothing behind (S11), and Django's
default handler spools uploads above FILE_UPLOAD_MAX_MEMORY_SIZE to /tmp. Bytes beyond the
upload limit are dropped as they arrive, so the size check downstream still sees the file as too
large while memory stays bounded (DATA_UPLOAD_MAX_NUMBER_FILES files of the limit each).
"""

from io import BytesIO
from typing import Any

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from isigurt.lib.images import MAX_UPLOAD_BYTES


class CappedMemoryUploadHandler(FileUploadHandler):
    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        room = MAX_UPLOAD_BYTES + 1 - self.buffer.tell()
        if room > 0:
            self.buffer.write(raw_data[:room])

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=self.buffer.getbuffer().nbytes,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
