"""Writes of the productenboek (scenario S9): products per gemeente and wet, and the bericht each change
is for the regie applications of that gemeente.

The API (the backoffice that is master of a gemeente), the admin import and the demo seed all check a
product with `product_problems`, so a product is valid whichever way it came in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError, Q
from simple_history.utils import bulk_create_with_history

from . import events
from .constants import ARRANGEMENT_CATEGORIEEN, PRODUCTCATEGORIEEN, Eenheid, Frequentie, Leveringsvorm, Wet
from .exceptions import DomainValidationError, InvalidParam
from .lifecycle.states import OPEN_STATUSES
from .models import Applicatie, Gemeente, Product, Voorziening
from .outbox import outbox_publish
from .rules import periods_overlap

PRODUCT_GEWIJZIGD = "product_gewijzigd"
# Fields that name the product: once a voorziening uses it, they stay as they are (end it, make a new one).
IDENTITY_FIELDS = ("wet", "categorie", "code")
_LISTS = {"leveringsvormen": Leveringsvorm, "eenheden": Eenheid, "frequenties": Frequentie}


class ProductInGebruik(Exception):
    """The product is used by voorzieningen: it can be ended (einddatum), not deleted."""


def is_master(applicatie: Applicatie, gemeente: Gemeente) -> bool:
    return gemeente.productenboek_beheerder_id == applicatie.pk


def product_label(wet: str, categorie: str, code: str) -> str:
    return f"{wet} {categorie}{'/' + code if code else ''}"


def overlapping_version(*, gemeente: Gemeente, values: dict[str, Any], exclude: int | None = None) -> Product | None:
    """Another version of the same (wet, categorie, code) in this gemeente whose validity overlaps."""
    others = Product.objects.filter(
        gemeente=gemeente, wet=values["wet"], categorie=values["categorie"], code=values.get("code") or ""
    )
    if exclude is not None:
        others = others.exclude(pk=exclude)
    period = (values["ingangsdatum"], values.get("einddatum"))
    return next((p for p in others if periods_overlap(period, (p.ingangsdatum, p.einddatum))), None)


def product_problems(
    *, gemeente: Gemeente, values: dict[str, Any], product: Product | None = None
) -> list[InvalidParam]:
    """Every rule one product (its state after the change) breaks; `product` is the stored one, if any."""
    out: list[InvalidParam] = []
    wet, categorie, code = values["wet"], values["categorie"], values.get("code") or ""
    if categorie not in PRODUCTCATEGORIEEN.get(wet, {}):
        out.append(
            InvalidParam("categorie", "wet_categorie", f"Productcategorie {categorie} hoort niet bij wet {wet}.")
        )
    ingang: dt.date = values["ingangsdatum"]
    eind: dt.date | None = values.get("einddatum")
    if eind is not None and eind < ingang:
        out.append(InvalidParam("einddatum", "voor_ingangsdatum", "Einddatum ligt voor de ingangsdatum."))
    elif not out:
        other = overlapping_version(gemeente=gemeente, values=values, exclude=product.pk if product else None)
        if other is not None:
            out.append(
                InvalidParam(
                    "ingangsdatum",
                    "overlap",
                    f"Product {product_label(wet, categorie, code)} heeft al een versie die geldt "
                    f"{other.geldigheid}; geldigheden mogen niet overlappen.",
                )
            )
    for name, choices in _LISTS.items():
        chosen = values.get(name)
        if chosen is not None and not chosen:
            out.append(InvalidParam(name, "required", f"Noem minstens een toegestane waarde ({name})."))
        for i, value in enumerate(chosen or []):
            if value not in choices.values:
                out.append(InvalidParam(f"{name}.{i}", "invalid_choice", f"{value!r} is geen geldige keuze."))
    out += _onderdelen_problems(wet, categorie, values.get("onderdelen") or [], gemeente, product)
    if product is not None and product.pk and _in_use(product).exists():
        for field in IDENTITY_FIELDS:
            if field in values and values[field] != getattr(product, field):
                out.append(
                    InvalidParam(
                        field,
                        "in_gebruik",
                        "Voorzieningen gebruiken dit product: beeindig het (einddatum) en maak een nieuw product.",
                    )
                )
    return out


def _onderdelen_problems(
    wet: str, categorie: str, onderdelen: list[Product], gemeente: Gemeente, product: Product | None
) -> list[InvalidParam]:
    if not onderdelen:
        return []
    arrangement_categorie = ARRANGEMENT_CATEGORIEEN[Wet(wet)]
    if categorie != arrangement_categorie:
        reason = f"Alleen een arrangement (categorie {arrangement_categorie}) heeft onderdelen."
        return [InvalidParam("onderdelen", "geen_arrangement", reason)]
    out = []
    for i, onderdeel in enumerate(onderdelen):
        if onderdeel.gemeente_id != gemeente.pk or onderdeel.wet != wet:
            reason = "Een onderdeel is een product van dezelfde gemeente en wet."
            out.append(InvalidParam(f"onderdelen.{i}", "andere_gemeente_of_wet", reason))
        elif onderdeel.categorie == categorie or (product is not None and onderdeel.pk == product.pk):
            reason = "Een arrangement bestaat uit onderliggende producten, niet uit een arrangement."
            out.append(InvalidParam(f"onderdelen.{i}", "arrangement", reason))
    return out


def _in_use(product: Product) -> Any:
    return Voorziening.objects.filter(Q(product=product) | Q(aanvraag__arrangement_product=product))


def product_in_use(product: Product) -> bool:
    return _in_use(product).exists()


def _publish(product: Product, actie: str) -> None:
    outbox_publish(
        aanvraag=None,
        events=[
            events.product_bericht(
                gebeurtenis=PRODUCT_GEWIJZIGD,
                uuid=str(product.uuid),
                actie=actie,
                gemeente=product.gemeente.code,
                wet=product.wet,
            )
        ],
    )


def _lock_productenboek(gemeente: Gemeente) -> None:
    # One writer per gemeente at a time, so two versions cannot both pass the overlap check.
    Gemeente.objects.select_for_update().filter(pk=gemeente.pk).first()


def _apply(product: Product, values: dict[str, Any], door: Applicatie | None) -> None:
    if door is not None:  # the history names the application (it is no admin user)
        product._change_reason = f"API: {door.naam}"[:100]  # type: ignore[attr-defined]
    for field, value in values.items():
        if field == "onderdelen":
            continue
        if field in _LISTS:
            value = list(dict.fromkeys(value))  # keep the order, drop repeats
        setattr(product, field, value)


@transaction.atomic
def product_create(*, gemeente: Gemeente, values: dict[str, Any], door: Applicatie | None = None) -> Product:
    _lock_productenboek(gemeente)
    values = {"code": "", **values}
    errors = product_problems(gemeente=gemeente, values=values)
    if errors:
        raise DomainValidationError(errors)
    product = Product(gemeente=gemeente)
    _apply(product, values, door)
    product.save()
    if values.get("onderdelen"):
        product.onderdelen.set(values["onderdelen"])
    _publish(product, "create")
    return product


@transaction.atomic
def product_update(*, product: Product, values: dict[str, Any], door: Applicatie | None = None) -> Product:
    """Change (or end, with an einddatum) one product; `values` holds only the fields that change."""
    _lock_productenboek(product.gemeente)
    product = Product.objects.select_related("gemeente").get(pk=product.pk)
    merged = {
        **{f: getattr(product, f) for f in ("wet", "categorie", "code", "ingangsdatum", "einddatum")},
        **values,
    }
    if "onderdelen" not in values:
        merged["onderdelen"] = list(product.onderdelen.all())
    errors = product_problems(gemeente=product.gemeente, values=merged, product=product)
    if errors:
        raise DomainValidationError(errors)
    _apply(product, values, door)
    product.save()
    if "onderdelen" in values:
        product.onderdelen.set(values["onderdelen"])
    _publish(product, "partial_update")
    return product


@transaction.atomic
def product_delete(*, product: Product) -> None:
    """Only a product nothing uses; one still used is ended with an einddatum instead."""
    _lock_productenboek(product.gemeente)
    in_use = _in_use(product)
    if in_use.exists():
        open_lines = in_use.filter(status__in=OPEN_STATUSES).count()
        raise ProductInGebruik(
            f"Product {product_label(product.wet, product.categorie, product.code)} wordt gebruikt door "
            f"voorzieningen ({open_lines} nog open): beeindig het met een einddatum in plaats van het te verwijderen."
        )
    _publish(product, "destroy")
    try:
        with transaction.atomic():
            product.delete()
    except ProtectedError:  # something else holds on to it (a mapping to the ZGW catalogue, ...)
        raise ProductInGebruik(
            f"Product {product_label(product.wet, product.categorie, product.code)} is nog ergens aan gekoppeld: "
            "beeindig het met een einddatum in plaats van het te verwijderen."
        ) from None


def product_changed(*, product: Product, actie: str) -> None:
    """For writers outside these services (the admin, its import): the regie applications hear of it."""
    _publish(product, actie)


def categorie_rows() -> list[dict[str, Any]]:
    """Every iWmo/iJw 3.2 productcategorie of both wetten as a categorie-only product (code "")."""
    return [
        {"wet": wet, "categorie": cat, "code": "", "omschrijving": naam}
        for wet, cats in PRODUCTCATEGORIEEN.items()
        for cat, naam in cats.items()
    ]


def products_seed(*, gemeente: Gemeente, rows: Iterable[dict[str, Any]]) -> int:
    """Create the products of `rows` that this gemeente does not have in any version yet (by wet, categorie,
    code). In bulk, with their history; a seed is no change any regie must hear of (no bericht)."""
    have = set(Product.objects.filter(gemeente=gemeente).values_list("wet", "categorie", "code"))
    new = [row for row in rows if (row["wet"], row["categorie"], row.get("code", "")) not in have]
    bulk_create_with_history([Product(gemeente=gemeente, **row) for row in new], Product)
    return len(new)
