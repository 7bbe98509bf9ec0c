"""The canonical JSON text is pinned: form content hashes, the audit chain and the hub's stored data
hashes are computed over it, so any change would break stored hashes."""

from __future__ import annotations

import hashlib

from amtsweg.common.canonical import canonical_json, canonical_json_bytes, canonical_sha256
from amtsweg.common.hashing import sha512_hex, token_hash

SAMPLE = {
    "name": "Jürgen Größe",
    "z": [1.5, 2.0, 1e-7, 3],
    "a": {"ß": "straße", "b": None, "t": True},
    "€": "\u2028x",
}
PINNED = '{"a":{"b":null,"t":true,"ß":"straße"},"name":"Jürgen Größe","z":[1.5,2.0,1e-07,3],"€":"\u2028x"}'


def test_canonical_text_is_pinned():
    # sorted keys (by code point), no spaces, umlauts and ß as UTF-8 (no \\u escapes), floats as repr
    assert canonical_json(SAMPLE) == PINNED
    assert canonical_json_bytes(SAMPLE) == PINNED.encode("utf-8")


def test_key_order_does_not_matter_and_the_hash_is_pinned():
    reordered = {"€": "\u2028x", "a": {"t": True, "b": None, "ß": "straße"}, "z": [1.5, 2.0, 1e-7, 3]}
    reordered["name"] = "Jürgen Größe"
    assert canonical_json(reordered) == PINNED
    assert canonical_sha256(SAMPLE) == "52fb007d7437d4c2ef1c4c3f01682976e0a0cecdb1fc152fb94dbebe8ddfd9cf"
    assert canonical_sha256(SAMPLE) == hashlib.sha256(PINNED.encode("utf-8")).hexdigest()


def test_hex_digests():
    assert token_hash("amtsweg_abc") == hashlib.sha256(b"amtsweg_abc").hexdigest()
    assert len(token_hash("ä")) == 64 and token_hash("ä") == hashlib.sha256("ä".encode()).hexdigest()
    assert sha512_hex(b"%PDF-") == hashlib.sha512(b"%PDF-").hexdigest() and len(sha512_hex(b"")) == 128
