"""The wire protocol (docs/protocol.md): incoming messages and their parser, every outgoing
JSON reply, and the binary frame format."""
