"""Berichten: every event a party may see, as an ordered feed and as signed webhook deliveries.

Kept free of imports so that `regiekoppeling.models` can load `berichten.models` without cycles.
"""
