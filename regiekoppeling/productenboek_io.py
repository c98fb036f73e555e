"""Import and export of the productenboek as CSV or XLSX (django-import-export, in the admin).

One row is one product version. Every row is checked with the same rules as the API
(`productenboek.product_problems`), plus what only a file can get wrong: the same version twice, a
missing column (a wrong delimiter looks like that). An import with any bad row shows each row with its
reason and stores nothing; a good one is shown as a preview first and applied in one transaction.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from . import productenboek
from .constants import Eenheid, Frequentie, Leveringsvorm
from .models import Gemeente, Product

COLUMNS = (
    "gemeente", "wet", "categorie", "code", "omschrijving", "leveringsvormen", "eenheden", "frequenties",
    "ingangsdatum", "einddatum",
)  # fmt: skip
# The file's columns: the product's own fields, then its onderdelen (an arrangement's products).
FILE_COLUMNS = (*COLUMNS, "onderdelen")
KEY = ("gemeente", "wet", "categorie", "code", "ingangsdatum")


class CodeListWidget(widgets.Widget):
    """A list of codes in one cell, separated by spaces or commas ("ZIN PGB"); empty means all."""

    def __init__(self, choices: type[Any]) -> None:
        super().__init__()
        self.choices = choices

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> list[str]:
        text = "" if value is None else str(value)
        codes = [c for c in text.replace(",", " ").split() if c]
        # A spreadsheet turns "04" into 4: put the leading zero back where the code list has one.
        width = max(len(v) for v in self.choices.values)
        return [c.zfill(width) if c.isdigit() else c for c in codes] or list(self.choices.values)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return " ".join(value or [])


class CodeWidget(widgets.CharWidget):
    """A code with leading zeros ("02"), also when a spreadsheet stored it as the number 2."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.width = width

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        text = "" if value is None else str(value).strip()
        if text.endswith(".0"):
            text = text[:-2]
        return text.zfill(self.width) if text.isdigit() else text


class OnderdelenWidget(widgets.ManyToManyWidget):
    """The onderdelen of an arrangement as product codes separated by spaces ("02A01 07A01"; two digits: a
    categorie-only product), looked up in the row's gemeente and wet, in the version valid on its
    ingangsdatum."""

    def __init__(self) -> None:
        super().__init__(Product, separator=" ", field="code")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> list[Product]:
        tokens = str(value or "").replace(",", " ").split()
        if not tokens:
            return []
        row = row or {}
        found = []
        start = widgets.DateWidget().clean(row.get("ingangsdatum"))
        for token in tokens:
            code = "" if len(token) == 2 and token.isdigit() else token
            versions = Product.objects.filter(
                gemeente__code=str(row.get("gemeente") or "").strip(), wet=row.get("wet"), code=code
            )
            if not code:
                versions = versions.filter(categorie=token)
            product = next((p for p in versions if start is None or p.geldig_op(start)), None)
            if product is None:
                raise ValueError(f"Onderdeel {token} staat niet (geldig op de ingangsdatum) in dit productenboek.")
            found.append(product)
        return found

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        if value is None:
            return ""
        return " ".join(p.code or p.categorie for p in value.all())


def _list(name: str, choices: type[Any]) -> fields.Field:
    return fields.Field(attribute=name, column_name=name, widget=CodeListWidget(choices))


class ProductResource(resources.ModelResource):
    gemeente = fields.Field(
        attribute="gemeente", column_name="gemeente", widget=widgets.ForeignKeyWidget(Gemeente, field="code")
    )
    categorie = fields.Field(attribute="categorie", column_name="categorie", widget=CodeWidget(2))
    code = fields.Field(attribute="code", column_name="code", widget=CodeWidget(0))
    leveringsvormen = _list("leveringsvormen", Leveringsvorm)
    eenheden = _list("eenheden", Eenheid)
    frequenties = _list("frequenties", Frequentie)
    onderdelen = fields.Field(attribute="onderdelen", column_name="onderdelen", widget=OnderdelenWidget())

    class Meta:
        model = Product
        fields = FILE_COLUMNS
        export_order = FILE_COLUMNS
        import_id_fields = KEY
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        headers = [str(h or "").strip() for h in (dataset.headers or [])]
        missing = [c for c in COLUMNS if c not in headers]
        if missing:
            hint = " Is het scheidingsteken een komma?" if any(";" in h or "\t" in h for h in headers) else ""
            raise ValueError(f"Kolommen ontbreken: {', '.join(missing)}.{hint}")
        keys = [self._key(row) for row in dataset.dict]
        self._twice = {key for key, n in Counter(keys).items() if n > 1}
        super().before_import(dataset, **kwargs)

    @staticmethod
    def _key(row: dict[str, Any]) -> tuple[str, ...]:
        return tuple(str(row.get(c) or "").strip().lstrip("0") for c in KEY)

    def import_row(self, row: Any, instance_loader: Any, **kwargs: Any) -> Any:
        self._row = dict(row)
        return super().import_row(row, instance_loader, **kwargs)

    def import_instance(self, instance: Product, row: Any, **kwargs: Any) -> None:
        """The fields, and the onderdelen already now: the library sets those only after saving, so an
        unknown one would otherwise be a crash of the row rather than its reason."""
        errors: dict[str, Any] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        self._onderdelen: list[Product] | None = None
        if "onderdelen" in row:
            try:
                self._onderdelen = self.fields["onderdelen"].widget.clean(row["onderdelen"], row=row)
            except ValueError as exc:
                errors.setdefault("onderdelen", []).append(str(exc))
        if errors:
            raise ValidationError(errors)

    def validate_instance(
        self, instance: Product, import_validation_errors: dict[str, Any] | None = None, validate_unique: bool = True
    ) -> None:
        errors: dict[str, list[str]] = {k: list(v) for k, v in (import_validation_errors or {}).items()}
        if self._key(self._row) in getattr(self, "_twice", set()):
            errors.setdefault("code", []).append("Dezelfde versie (gemeente, wet, categorie, code, ingangsdatum) "
                                                 "staat meer dan eens in het bestand.")  # fmt: skip
        if instance.gemeente_id and instance.ingangsdatum and not errors:
            values = {name: getattr(instance, name) for name in COLUMNS if name != "gemeente"}
            # Without the column the stored onderdelen stay; the rules see what the product will have.
            stored_parts = list(instance.onderdelen.all()) if instance.pk else []
            values["onderdelen"] = self._onderdelen if self._onderdelen is not None else stored_parts
            stored = instance if instance.pk else None
            for problem in productenboek.product_problems(gemeente=instance.gemeente, values=values, product=stored):
                errors.setdefault(problem.name.split(".")[0], []).append(problem.reason)
        if errors:
            raise ValidationError(errors)
        super().validate_instance(instance, None, validate_unique)

    def after_save_instance(self, instance: Product, row: Any, **kwargs: Any) -> None:
        if not kwargs.get("dry_run"):
            productenboek.product_changed(product=instance, actie="import")
