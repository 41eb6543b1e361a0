"""Gunicorn settings for I Sigurt, read from the working directory (`gunicorn isigurt.wsgi`)."""

# Access log lines, when enabled with --access-logfile, carry no tracking code or secret.
logger_class = "isigurt.lib.gunicorn_logging.RedactingLogger"
