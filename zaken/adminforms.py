"""Admin forms whose type fields are picked from the gemeente's Catalogi API, not typed.

The choices are the published types of the configured catalogus (current version), read through the
cached lookups of `catalogus`. A value that no longer resolves stays selectable, marked as such, so the
form shows what is stored; saving it is refused with a form error naming the type. Without a reachable
catalogue (a new configuration, or the API down) the fields stay free text, and the check on save says
why.
"""

from __future__ import annotations

import copy
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from django import forms

from regiekoppeling.outbox import PermanentError

from . import catalogus
from .clients import JSON, ZGWUnavailableError
from .configcheck import LETTER, zgw_config_problems
from .models import ZGWConfig
from .registration import open_clients

MISSING = "{} (bestaat niet in de catalogus)"


@dataclass
class Catalogue:
    """The published types of one catalogus, as far as the admin offers them."""

    zaaktypen: dict[str, JSON] = field(default_factory=dict)
    statustypen: dict[str, list[str]] = field(default_factory=dict)  # zaaktype identificatie -> omschrijvingen
    resultaattypen: dict[str, list[str]] = field(default_factory=dict)
    besluittypen: dict[str, str] = field(default_factory=dict)  # omschrijving -> URL
    informatieobjecttypen: dict[str, str] = field(default_factory=dict)
    error: str = ""

    @classmethod
    def of(cls, config: ZGWConfig | None) -> Catalogue:
        if config is None or config.pk is None or not config.catalogus:
            return cls(error="Sla eerst de API's en de catalogus op; daarna zijn de typen te kiezen.")
        try:
            with ExitStack() as stack:
                client = open_clients(config, stack).catalogi
                zaaktypen = catalogus.zaaktypen(client, catalogus=config.catalogus)
                return cls(
                    zaaktypen=zaaktypen,
                    statustypen={
                        i: [t.omschrijving for t in catalogus.statustypen(client, zaaktype_url=z["url"])]
                        for i, z in zaaktypen.items()
                    },
                    resultaattypen={
                        i: catalogus.resultaattypen(client, zaaktype_url=z["url"]) for i, z in zaaktypen.items()
                    },
                    besluittypen=catalogus.published_names(client, catalogus=config.catalogus, kind="besluittypen"),
                    informatieobjecttypen=catalogus.published_names(
                        client, catalogus=config.catalogus, kind="informatieobjecttypen"
                    ),
                )
        except (ZGWUnavailableError, PermanentError) as exc:
            return cls(error=f"De Catalogi API is niet te lezen: {exc}")

    @property
    def available(self) -> bool:
        return not self.error

    def zaaktype_choices(self, current: str, *, empty: str = "") -> list[tuple[str, str]]:
        known = [(i, f"{i} - {z.get('omschrijving', '')}") for i, z in self.zaaktypen.items()]
        return _with_current(([("", empty)] if empty else []) + known, current)

    def names(self, names: list[str], current: str, *, empty: str = "") -> list[tuple[str, str]]:
        return _with_current(([("", empty)] if empty else []) + [(n, n) for n in dict.fromkeys(names)], current)

    def all_statustypen(self) -> list[str]:
        return [n for names in self.statustypen.values() for n in names]

    def all_resultaattypen(self) -> list[str]:
        return [n for names in self.resultaattypen.values() for n in names]


def _with_current(choices: list[tuple[str, str]], current: str) -> list[tuple[str, str]]:
    if current and current not in {value for value, _ in choices}:
        return [*choices, (current, MISSING.format(current))]
    return choices


def _pick(form: forms.BaseForm, name: str, choices: list[tuple[str, str]], *, required: bool) -> None:
    """Turn a text field into a select of these choices, keeping its label and help text."""
    old = form.fields[name]
    form.fields[name] = forms.ChoiceField(choices=choices, required=required, label=old.label, help_text=old.help_text)


def _current(form: forms.BaseForm, name: str) -> str:
    """The value the field shows: the posted one, else the stored one."""
    value = form.data.get(form.add_prefix(name)) if form.is_bound else form.initial.get(name)
    return str(value or "")


class ZGWConfigForm(forms.ModelForm):
    """The gemeente's defaults: zaaktype per wet, hoofdzaaktype, besluittype and informatieobjecttype
    picked from its catalogue. Refuses a configuration that cannot work, with the reasons. (The admin
    adds the Meta with the model and the fields of the fieldsets.)"""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.catalogue = Catalogue.of(self.instance if self.instance.pk else None)
        if not self.catalogue.available:
            return
        for name in ("zaaktype_wmo", "zaaktype_jw"):
            _pick(self, name, self.catalogue.zaaktype_choices(_current(self, name)), required=True)
        hoofd = self.catalogue.zaaktype_choices(_current(self, "hoofdzaaktype"), empty="(geen)")
        _pick(self, "hoofdzaaktype", hoofd, required=False)
        besluit = list(self.catalogue.besluittypen)
        _pick(self, "besluittype", self.catalogue.names(besluit, _current(self, "besluittype")), required=True)
        iot = list(self.catalogue.informatieobjecttypen)
        current = _current(self, "informatieobjecttype_bijlage")
        _pick(self, "informatieobjecttype_bijlage", self.catalogue.names(iot, current), required=True)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned  # the fields themselves are wrong first
        candidate = copy.copy(self.instance)
        for name, value in cleaned.items():
            setattr(candidate, name, value)
        problems = zgw_config_problems(config=candidate, mappings=False)
        if problems:
            raise forms.ValidationError([forms.ValidationError(p) for p in problems])
        return cleaned


class _MappingForm(forms.ModelForm):
    """An inline row of a ZGW-configuratie; `config` and `catalogue` are set by the inline."""

    config: ZGWConfig | None = None
    catalogue: Catalogue = Catalogue(error="geen configuratie")

    def zaaktype_json(self, identificatie: str) -> JSON | None:
        return self.catalogue.zaaktypen.get(identificatie)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.catalogue.available and self.has_changed() and not cleaned.get("DELETE"):
            # Not checked is not accepted: a mapping is only stored once the catalogue confirms it.
            raise forms.ValidationError(f"Niet opgeslagen: {self.catalogue.error}")
        return cleaned


class StatustypeMappingForm(_MappingForm):
    """One lifecycle state of one zaaktype: the statustype it sets, the resultaattype it closes with."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.catalogue.available:
            return
        # An empty first option, so that an untouched extra row stays unchanged (and is not saved).
        zaaktypen = self.catalogue.zaaktype_choices(_current(self, "zaaktype"), empty="---------")
        _pick(self, "zaaktype", zaaktypen, required=True)
        statustypen = self.catalogue.names(
            self.catalogue.all_statustypen(), _current(self, "statustype_omschrijving"), empty="(geen statuswijziging)"
        )
        _pick(self, "statustype_omschrijving", statustypen, required=False)
        resultaten = self.catalogue.names(
            self.catalogue.all_resultaattypen(), _current(self, "resultaattype_omschrijving"), empty="(standaard)"
        )
        _pick(self, "resultaattype_omschrijving", resultaten, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.catalogue.available or self.errors or cleaned.get("DELETE"):
            return cleaned
        zaaktype = cleaned.get("zaaktype", "")
        if zaaktype not in self.catalogue.zaaktypen:
            self.add_error("zaaktype", f"Zaaktype '{zaaktype}' bestaat niet (gepubliceerd, vandaag geldig).")
            return cleaned
        for name, known, what in (
            ("statustype_omschrijving", self.catalogue.statustypen[zaaktype], "Statustype"),
            ("resultaattype_omschrijving", self.catalogue.resultaattypen[zaaktype], "Resultaattype"),
        ):
            value = cleaned.get(name, "")
            if value and value not in known:
                self.add_error(
                    name, f"{what} '{value}' bestaat niet bij zaaktype {zaaktype}; kies een van: {', '.join(known)}."
                )
        return cleaned


class ProductMappingForm(_MappingForm):
    """A product's zaaktype, informatieobjecttypen, besluittype and strategy; empty is the default."""

    informatieobjecttypen = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="het eerste is dat van een document zonder soort; leeg: dat van de configuratie",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.config is not None and "product" in self.fields:
            # The productenboek is per gemeente: only this configuration's gemeente's products.
            self.fields["product"].queryset = self.fields["product"].queryset.filter(  # type: ignore[attr-defined]
                gemeente=self.config.gemeente
            )
        current = list(self.instance.informatieobjecttypen or []) if self.instance.pk else []
        iot = [*self.catalogue.informatieobjecttypen, *current]
        self.fields["informatieobjecttypen"].choices = [  # type: ignore[attr-defined]
            (n, n if n in self.catalogue.informatieobjecttypen else MISSING.format(n)) for n in dict.fromkeys(iot)
        ]
        if not self.catalogue.available:
            return
        zaaktypen = self.catalogue.zaaktype_choices(_current(self, "zaaktype"), empty="(standaard van de wet)")
        _pick(self, "zaaktype", zaaktypen, required=False)
        besluit = self.catalogue.names(
            list(self.catalogue.besluittypen), _current(self, "besluittype"), empty="(standaard)"
        )
        _pick(self, "besluittype", besluit, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        product = cleaned.get("product")
        if not self.catalogue.available or self.errors or cleaned.get("DELETE") or product is None or not self.config:
            return cleaned
        ident = cleaned.get("zaaktype") or self.config.zaaktype_for(product.wet)
        zaaktype = self.zaaktype_json(ident)
        if zaaktype is None:
            self.add_error("zaaktype", f"Zaaktype '{ident}' bestaat niet (gepubliceerd, vandaag geldig).")
            return cleaned
        besluittype = cleaned.get("besluittype") or self.config.besluittype
        if self.catalogue.besluittypen.get(besluittype) not in zaaktype.get("besluittypen", []):
            self.add_error("besluittype", f"Besluittype '{besluittype}' hoort niet bij zaaktype {ident}.")
        for name in [*cleaned.get("informatieobjecttypen", []), LETTER]:
            if self.catalogue.informatieobjecttypen.get(name) not in zaaktype.get("informatieobjecttypen", []):
                self.add_error(
                    "informatieobjecttypen", f"Informatieobjecttype '{name}' is niet gekoppeld aan zaaktype {ident}."
                )
        return cleaned
