"""Berichten: every event a party may see, as an ordered feed and as signed webhook deliveries.

An integration of the domain: it handles the `bericht` and `webhook` outbox items. Its records
(`Bericht`, `Abonnement`) are domain models in `regiekoppeling.models.berichten`.
"""
