"""The API version, read by the settings and by gunicorn's own error answers (which come before
Django is loaded)."""

API_VERSION = "1.0.0"
