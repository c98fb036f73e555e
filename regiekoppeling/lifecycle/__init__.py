"""The lifecycle of a voorziening and its aanvraag (DOMAIN.md section 4), in one place.

- `states`: the states, the one transition table, the sets derived from it and the aanvraag's status
  derived from its lines. Plain data and functions, imported by the models.
- `changes`: every change of state (API actions, feedback, beschikkingen, toewijzingen, signalen,
  the beat job that ends grants), always through the same checked transition, with one place that
  records the change and publishes its events.

Import the submodules (`from regiekoppeling.lifecycle import changes, states`): this package file
stays empty so the models can import `states` without loading `changes`.
"""
