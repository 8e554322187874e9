"""Photos and PDFs citizens send in the chat arrive as a media reference in the
message metadata ({"media": {"url" | "id", "mime_type"}}); this fetches them."""

from __future__ import annotations

import mimetypes
import os

import requests

MAX_BYTES = 5 * 1024 * 1024
TIMEOUT = 10


class MediaUnavailable(Exception):
    """The media could not be fetched (gone, too large, or no way to reach it)."""


def fetch_media(reference: str) -> tuple[bytes, str, str]:
    """(content, filename, content type) of a media reference kept in a slot."""
    if reference.startswith("whatsapp:"):
        # A WhatsApp media id: the Graph API needs the channel's access token.
        token = os.environ.get("WHATSAPP_ACCESS_TOKEN")
        if not token:
            raise MediaUnavailable("no WhatsApp access token configured")
        media_id = reference.split(":", 1)[1]
        graph = os.environ.get("WHATSAPP_GRAPH_URL", "https://graph.facebook.com/v20.0")
        headers = {"Authorization": f"Bearer {token}"}
        try:
            meta = requests.get(f"{graph}/{media_id}", headers=headers, timeout=TIMEOUT).json()
            reference = meta["url"]
        except (requests.RequestException, ValueError, KeyError) as error:
            raise MediaUnavailable(str(error)) from error
    else:
        headers = {}
    try:
        response = requests.get(reference, headers=headers, timeout=TIMEOUT, stream=True)
        response.raise_for_status()
        content = response.raw.read(MAX_BYTES + 1, decode_content=True)
    except (requests.RequestException, ValueError) as error:
        raise MediaUnavailable(str(error)) from error
    if len(content) > MAX_BYTES:
        raise MediaUnavailable("larger than 5 MB")
    content_type = response.headers.get("Content-Type", "application/octet-stream").split(";")[0]
    filename = os.path.basename(reference.split("?")[0]) or "document"
    if "." not in filename:
        filename += mimetypes.guess_extension(content_type) or ""
    return content, filename, content_type
