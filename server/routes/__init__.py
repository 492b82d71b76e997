"""HTTP and WebSocket routes: the page and schema, CSV upload, reference data (lessons,
activation curves), and the live-session socket."""
