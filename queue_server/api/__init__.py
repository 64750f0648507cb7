"""The network face of the server: REST, the WebSocket protocol, auth and error mapping."""
