"""Acceptance tools that talk to a running regiekoppeling over HTTP only and import nothing of it.

`scenarios` plays the scenarios of the standard as a regie and a backoffice application would;
`python -m acceptance` is its command line (see `__main__`).
"""
