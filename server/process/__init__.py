"""How the server runs as processes: the `--workers` balancer and the one place that reaches
into uvicorn's internals (uvicorn_glue)."""
