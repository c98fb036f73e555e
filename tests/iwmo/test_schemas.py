"""XSD validation: one error per schema violation, and the schemas come from IWMO_XSD_DIR."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from regiekoppeling.exceptions import DomainValidationError
from regiekoppeling.iwmo import BerichtType, SchemaFout, parse_verzoek, schemas
from regiekoppeling.iwmo.errors import MAX_ERRORS

from .conftest import example, replace_once, shared_iwmo

PRODUCT_1 = "Bericht/Client/AangevraagdeProducten/AangevraagdProduct[1]"


def test_xsd_errors_are_listed_one_by_one_with_their_location() -> None:
    xml = example("WMO315")
    xml = replace_once(xml, "<wmo315:Bsn>999900006<", "<wmo315:Bsn>99990000<")
    xml = replace_once(xml, "<iwmo:Eenheid>14<", "<iwmo:Eenheid>99<")
    xml = replace_once(xml, "<wmo315:Raamcontract>1<", "<wmo315:Raamcontract>3<")
    with pytest.raises(DomainValidationError) as info:
        parse_verzoek(xml)
    params = info.value.params
    assert [(p.name, p.code) for p in params] == [
        ("Bericht/Client/Bsn", "xsd"),
        (f"{PRODUCT_1}/Omvang/Eenheid", "xsd"),
        (f"{PRODUCT_1}/Raamcontract", "xsd"),
    ]
    # The schema's own message, without the namespace noise, and the line to look at.
    assert params[0].reason == (
        "Element 'Bsn': [facet 'pattern'] The value '99990000' is not accepted by the pattern '[0-9]{9}'. (regel 19)"
    )
    assert "'01', '04', '14', '16', '82', '83', '84'" in params[1].reason


def test_missing_required_element() -> None:
    xml = example("WMO317")
    xml = replace_once(xml, "<wmo317:RedenVerzoek>1</wmo317:RedenVerzoek>", "")
    with pytest.raises(DomainValidationError) as info:
        parse_verzoek(xml)
    [error] = info.value.params
    assert (error.name, error.code) == ("Bericht/Client/Verzoek/OngewijzigdeProducten", "xsd")
    assert "Expected is ( RedenVerzoek )" in error.reason


def test_location_with_a_default_namespace() -> None:
    """libxml2 reports such elements as /*/*[2]/...; the location is written out from the element."""
    xml = example("WMO315").decode().replace("wmo315:", "").replace("xmlns:wmo315=", "xmlns=")
    xml = xml.replace("<iwmo:Eenheid>14<", "<iwmo:Eenheid>99<", 1)
    with pytest.raises(DomainValidationError) as info:
        parse_verzoek(xml.encode())
    assert [p.name for p in info.value.params] == [f"{PRODUCT_1}/Omvang/Eenheid"]


def test_wrong_berichtcode_for_the_namespace() -> None:
    xml = replace_once(example("WMO315"), "<wmo315:BerichtCode>444<", "<wmo315:BerichtCode>480<")
    with pytest.raises(DomainValidationError) as info:
        parse_verzoek(xml)
    assert [(p.name, p.code) for p in info.value.params] == [("Bericht/Header/BerichtCode", "xsd")]


def test_many_errors_are_capped() -> None:
    product = example("WMO315").split(b"<wmo315:AangevraagdProduct>")[1].split(b"</wmo315:AangevraagdProduct>")[0]
    broken = product.replace(b"<iwmo:Eenheid>14<", b"<iwmo:Eenheid>99<")
    many = b"".join(b"<wmo315:AangevraagdProduct>" + broken + b"</wmo315:AangevraagdProduct>" for _ in range(150))
    xml = example("WMO315").replace(b"<wmo315:AangevraagdProduct>" + product + b"</wmo315:AangevraagdProduct>", many, 1)
    with pytest.raises(DomainValidationError) as info:
        parse_verzoek(xml)
    params = info.value.params
    assert len(params) == MAX_ERRORS + 1
    assert params[0].name == f"{PRODUCT_1}/Omvang/Eenheid"
    assert (params[-1].name, params[-1].code) == ("Bericht", "xsd")
    assert params[-1].reason.startswith("En nog 50 fouten")


def test_each_schema_is_compiled_once() -> None:
    schemas.clear_schema_cache()
    first = schemas.schema_for(BerichtType.JW317)
    assert schemas.schema_for(BerichtType.JW317) is first
    parse_verzoek(example("WMO315"))
    parse_verzoek(example("WMO315"))
    info = schemas._compile.cache_info()
    assert (info.misses, info.hits) == (2, 2)


def test_default_directory_is_the_package_data_inside_the_product(settings: Any) -> None:
    assert schemas.xsd_dir() == schemas.PACKAGED_XSD_DIR
    assert schemas.PACKAGED_XSD_DIR.is_relative_to(Path(settings.BASE_DIR) / "regiekoppeling")


@pytest.mark.parametrize("berichttype", list(BerichtType))
def test_packaged_schemas_are_the_official_ones_byte_for_byte(berichttype: BerichtType) -> None:
    packaged = schemas.xsd_path(berichttype)
    for name in (packaged.name, "Basisschema.xsd"):
        official = shared_iwmo() / packaged.parent.relative_to(schemas.PACKAGED_XSD_DIR) / name
        assert (packaged.parent / name).read_bytes() == official.read_bytes(), name


def test_a_copy_of_the_repository_without_shared_beside_it_validates_a_wmo315(tmp_path: Path, settings: Any) -> None:
    """What a deployment has: the repository's own files, nothing of `../shared` next to them."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    clone = tmp_path / "elsewhere" / "regiekoppeling"
    for name in filter(None, listed):
        source = Path(settings.BASE_DIR) / name
        if source.is_file() and not name.startswith("tests/"):
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, clone / name)
    assert not (clone.parent / "shared").exists()
    code = (
        "import sys, django; django.setup(); "
        "from regiekoppeling.iwmo import parse_verzoek; "
        "print(parse_verzoek(sys.stdin.buffer.read()).berichttype.value)"
    )
    env = {k: v for k, v in os.environ.items() if k != "IWMO_XSD_DIR"}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", "ALLOW_DEV_SECRET": "1", "PYTHONPATH": str(clone)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=clone, env=env, input=example("WMO315"), capture_output=True, timeout=60
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().strip() == "WMO315"


def test_schemas_come_from_the_setting_at_call_time(settings: Any, tmp_path: Path) -> None:
    copy = tmp_path / "xsd"
    shutil.copytree(shared_iwmo(), copy)
    settings.IWMO_XSD_DIR = str(copy)
    assert parse_verzoek(example("WMO315")).berichttype == BerichtType.WMO315
    assert schemas.schema_for(BerichtType.WMO315).path == (copy / "iwmo-3.2/xsd/WMO315.xsd").resolve()

    # A deployment's own schema wins: here one that only accepts BerichtCode 999.
    strict = tmp_path / "strict"
    shutil.copytree(shared_iwmo(), strict)
    xsd = strict / "iwmo-3.2/xsd/WMO315.xsd"
    xsd.write_text(xsd.read_text().replace('<xs:pattern value="444"/>', '<xs:pattern value="999"/>'))
    settings.IWMO_XSD_DIR = str(strict)
    with pytest.raises(DomainValidationError) as info:
        parse_verzoek(example("WMO315"))
    assert [(p.name, p.code) for p in info.value.params] == [("Bericht/Header/BerichtCode", "xsd")]


def test_missing_directory_is_a_configuration_error(settings: Any, tmp_path: Path) -> None:
    settings.IWMO_XSD_DIR = str(tmp_path / "bestaat-niet")
    with pytest.raises(SchemaFout) as info:
        parse_verzoek(example("WMO315"))
    message = str(info.value)
    assert "WMO315.xsd niet gevonden" in message
    assert "IWMO_XSD_DIR" in message
    assert str(tmp_path / "bestaat-niet") in message


def test_missing_basisschema_is_a_configuration_error(settings: Any, tmp_path: Path) -> None:
    copy = tmp_path / "xsd"
    shutil.copytree(shared_iwmo(), copy)
    (copy / "ijw-3.2/xsd/Basisschema.xsd").unlink()
    settings.IWMO_XSD_DIR = str(copy)
    with pytest.raises(SchemaFout, match="kan niet worden gelezen of gecompileerd"):
        schemas.schema_for(BerichtType.JW315)


def test_broken_xsd_is_a_configuration_error(settings: Any, tmp_path: Path) -> None:
    copy = tmp_path / "xsd"
    shutil.copytree(shared_iwmo(), copy)
    (copy / "iwmo-3.2/xsd/WMO317.xsd").write_text("geen schema")
    settings.IWMO_XSD_DIR = str(copy)
    with pytest.raises(SchemaFout, match=r"WMO317\.xsd"):
        parse_verzoek(example("WMO317"))
