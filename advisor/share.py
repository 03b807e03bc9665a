"""An assessment packed into one URL-safe value, for links that open the same assessment.

The value is a version letter followed by the base64url (unpadded) of the zlib-compressed
assessment document, the same YAML the download gives, without its modeline. Links are
untrusted input: the encoded value and the decompressed document are both capped, so a small
link cannot expand into a large document, and the document goes through the same loader as
any uploaded file, so a link is refused with the same messages.
"""

from __future__ import annotations

import base64
import binascii
import zlib

from advisor.errors import InputError, Problem
from advisor.export import assessment_to_yaml
from advisor.loader import parse_assessment
from advisor.models import Assessment
from advisor.yamldoc import MAX_BYTES, decode

VERSION = "1"
MAX_ENCODED = 32_768
MAX_DOCUMENT = MAX_BYTES
LINK = "link"


def encode_link(assessment: Assessment) -> str:
    document = assessment_to_yaml(assessment, modeline=False).encode("utf-8")
    packed = base64.urlsafe_b64encode(zlib.compress(document, 9)).rstrip(b"=")
    return VERSION + packed.decode("ascii")


def decode_link(value: str) -> Assessment:
    """The assessment a link holds, or InputError saying what is wrong with the link."""
    return parse_assessment(_document(value.strip()), LINK)


def _document(value: str) -> str:
    if not value:
        raise _refused("holds no assessment")
    if len(value) > MAX_ENCODED:
        raise _refused(
            f"is too long to be an assessment ({len(value):,} characters; "
            f"the limit is {MAX_ENCODED:,})"
        )
    if value[0] != VERSION:
        if value[0].isdigit():
            raise _refused("was made by a different version of Integration Advisor")
        raise _refused("is damaged (it does not start like an assessment link)")
    payload = value[1:]
    try:
        packed = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError):
        raise _refused("is damaged (it is not valid base64url)") from None
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(packed, MAX_DOCUMENT + 1)
    except zlib.error:
        raise _refused("is damaged (its data does not decompress)") from None
    if len(data) > MAX_DOCUMENT or inflater.unconsumed_tail:
        raise _refused(f"expands to more than {MAX_DOCUMENT:,} bytes (the size limit)")
    if not inflater.eof:
        raise _refused("is cut short (its data ends early)")
    if inflater.unused_data:
        raise _refused("is damaged (it has data after its end)")
    return decode(data, LINK)


def _refused(message: str) -> InputError:
    return InputError(
        [Problem(LINK, f"{message}; ask for the link again, or copy all of it from the address")]
    )
