"""Helpers the tests share: a protocol client, an independent frame decoder and a server process."""
