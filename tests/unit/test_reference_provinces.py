"""Reference data: Thailand's 77 provinces and the two region schemes."""

from __future__ import annotations

from collections import Counter

import pytest

from pathways_contracts.reference import (
    OFFICIAL_SIX_REGIONS,
    PROGRAMME_REGIONS,
    PROVINCES,
    REGIONS,
    Province,
    RegionScheme,
    UnknownProvinceError,
    UnknownRegionError,
    province_by_iso,
    provinces_in_region,
    region_of,
)

ALL_ISOS = {p.iso for p in PROVINCES}


def test_there_are_77_provinces() -> None:
    assert len(PROVINCES) == 77


def test_codes_and_names_are_unique() -> None:
    for attr in ("code", "iso", "name_th", "name_en"):
        values = [getattr(p, attr) for p in PROVINCES]
        assert len(set(values)) == len(values), attr


def test_codes_are_well_formed() -> None:
    for p in PROVINCES:
        assert len(p.code) == 2
        assert p.code.isascii()
        assert p.code.isdigit()
        assert p.iso == f"TH-{p.code}"
        assert 10 <= int(p.code) <= 96


def test_names_are_in_the_right_script() -> None:
    for p in PROVINCES:
        assert p.name_th, p
        assert all("\u0e00" <= ch <= "\u0e7f" for ch in p.name_th), p
        assert p.name_en, p
        assert p.name_en.isascii(), p
        assert p.name_en == p.name_en.strip(), p


def test_provinces_are_in_code_order() -> None:
    assert [p.code for p in PROVINCES] == sorted(p.code for p in PROVINCES)


def test_pattaya_is_not_a_province() -> None:
    assert "TH-S" not in ALL_ISOS


@pytest.mark.parametrize(
    ("iso", "name_th", "name_en"),
    [
        ("TH-10", "กรุงเทพมหานคร", "Bangkok"),
        ("TH-14", "พระนครศรีอยุธยา", "Phra Nakhon Si Ayutthaya"),
        ("TH-20", "ชลบุรี", "Chon Buri"),
        ("TH-30", "นครราชสีมา", "Nakhon Ratchasima"),
        ("TH-38", "บึงกาฬ", "Bueng Kan"),
        ("TH-40", "ขอนแก่น", "Khon Kaen"),
        ("TH-50", "เชียงใหม่", "Chiang Mai"),
        ("TH-57", "เชียงราย", "Chiang Rai"),
        ("TH-63", "ตาก", "Tak"),
        ("TH-65", "พิษณุโลก", "Phitsanulok"),
        ("TH-77", "ประจวบคีรีขันธ์", "Prachuap Khiri Khan"),
        ("TH-83", "ภูเก็ต", "Phuket"),
        ("TH-84", "สุราษฎร์ธานี", "Surat Thani"),
        ("TH-96", "นราธิวาส", "Narathiwat"),
    ],
)
def test_spot_checks(iso: str, name_th: str, name_en: str) -> None:
    p = province_by_iso(iso)
    assert (p.iso, p.code, p.name_th, p.name_en) == (iso, iso[3:], name_th, name_en)


def test_lookup_accepts_bare_code_and_lowercase() -> None:
    chiang_mai = province_by_iso("TH-50")
    assert province_by_iso("50") is chiang_mai
    assert province_by_iso(" th-50 ") is chiang_mai
    assert isinstance(chiang_mai, Province)


@pytest.mark.parametrize("bad", ["TH-99", "99", "TH-S", "", "TH-5", "Bangkok", "TH-010", "TH50"])
def test_unknown_code_raises_with_clear_message(bad: str) -> None:
    with pytest.raises(UnknownProvinceError) as excinfo:
        province_by_iso(bad)
    message = str(excinfo.value)
    assert repr(bad) in message
    assert "TH-NN" in message
    assert excinfo.value.code == bad
    assert isinstance(excinfo.value, ValueError)


def test_pattaya_error_explains_why() -> None:
    with pytest.raises(UnknownProvinceError, match="Pattaya"):
        province_by_iso("TH-S")


def test_province_is_frozen() -> None:
    p = province_by_iso("TH-10")
    with pytest.raises(AttributeError):
        p.name_en = "Krung Thep"  # type: ignore[misc]


@pytest.mark.parametrize("scheme", [PROGRAMME_REGIONS, OFFICIAL_SIX_REGIONS])
def test_scheme_covers_exactly_all_provinces(scheme: RegionScheme) -> None:
    assert set(scheme.mapping) == ALL_ISOS
    assert len(scheme.mapping) == 77
    assert set(scheme.mapping.values()) == set(scheme.region_ids)
    assert sum(len(scheme.provinces_in(r)) for r in scheme.region_ids) == 77


def test_programme_region_counts() -> None:
    assert Counter(PROGRAMME_REGIONS.mapping.values()) == {
        "NORTH": 17,
        "NORTHEAST": 20,
        "CENTRAL": 26,
        "SOUTH": 14,
    }
    assert PROGRAMME_REGIONS.region_ids == ("NORTH", "NORTHEAST", "CENTRAL", "SOUTH")


def test_official_six_region_counts() -> None:
    counts = Counter(OFFICIAL_SIX_REGIONS.mapping.values())
    assert counts == {
        "NORTH": 9,
        "NORTHEAST": 20,
        "CENTRAL": 22,
        "EAST": 7,
        "WEST": 5,
        "SOUTH": 14,
    }
    assert sum(counts.values()) == 77


@pytest.mark.parametrize(
    ("iso", "programme", "official"),
    [
        ("TH-10", "CENTRAL", "CENTRAL"),  # Bangkok
        ("TH-50", "NORTH", "NORTH"),  # Chiang Mai
        ("TH-53", "NORTH", "NORTH"),  # Uttaradit
        ("TH-60", "NORTH", "CENTRAL"),  # Nakhon Sawan: lower north
        ("TH-65", "NORTH", "CENTRAL"),  # Phitsanulok: lower north
        ("TH-67", "NORTH", "CENTRAL"),  # Phetchabun: lower north
        ("TH-63", "NORTH", "WEST"),  # Tak
        ("TH-20", "CENTRAL", "EAST"),  # Chon Buri
        ("TH-27", "CENTRAL", "EAST"),  # Sa Kaeo
        ("TH-26", "CENTRAL", "CENTRAL"),  # Nakhon Nayok
        ("TH-71", "CENTRAL", "WEST"),  # Kanchanaburi
        ("TH-77", "CENTRAL", "WEST"),  # Prachuap Khiri Khan
        ("TH-72", "CENTRAL", "CENTRAL"),  # Suphan Buri
        ("TH-38", "NORTHEAST", "NORTHEAST"),  # Bueng Kan
        ("TH-86", "SOUTH", "SOUTH"),  # Chumphon
        ("TH-96", "SOUTH", "SOUTH"),  # Narathiwat
    ],
)
def test_region_of(iso: str, programme: str, official: str) -> None:
    assert region_of(iso) == programme
    assert region_of(iso, PROGRAMME_REGIONS) == programme
    assert region_of(iso, OFFICIAL_SIX_REGIONS) == official
    assert region_of(iso[3:], OFFICIAL_SIX_REGIONS) == official


def test_programme_north_is_upper_plus_lower_north() -> None:
    north = {p.name_en for p in provinces_in_region("NORTH")}
    assert {
        "Phitsanulok",
        "Sukhothai",
        "Phichit",
        "Phetchabun",
        "Kamphaeng Phet",
        "Nakhon Sawan",
        "Uthai Thani",
        "Tak",
        "Uttaradit",
    } <= north


def test_official_east_and_west() -> None:
    east = {p.name_en for p in provinces_in_region("EAST", OFFICIAL_SIX_REGIONS)}
    west = {p.name_en for p in provinces_in_region("WEST", OFFICIAL_SIX_REGIONS)}
    assert east == {
        "Chachoengsao",
        "Chanthaburi",
        "Chon Buri",
        "Prachin Buri",
        "Rayong",
        "Sa Kaeo",
        "Trat",
    }
    assert west == {
        "Kanchanaburi",
        "Phetchaburi",
        "Prachuap Khiri Khan",
        "Ratchaburi",
        "Tak",
    }


def test_region_of_unknown_province() -> None:
    with pytest.raises(UnknownProvinceError, match="TH-NN"):
        region_of("TH-99")


def test_unknown_region_in_scheme() -> None:
    with pytest.raises(UnknownRegionError, match="EAST"):
        provinces_in_region("EAST", PROGRAMME_REGIONS)


def test_region_display_names() -> None:
    assert set(REGIONS) == {"NORTH", "NORTHEAST", "CENTRAL", "SOUTH", "EAST", "WEST"}
    assert REGIONS["NORTH"].name_th == "ภาคเหนือ"
    assert REGIONS["NORTHEAST"].name_th == "ภาคตะวันออกเฉียงเหนือ"
    assert REGIONS["CENTRAL"].name_th == "ภาคกลาง"
    assert REGIONS["SOUTH"].name_th == "ภาคใต้"
    assert REGIONS["EAST"].name_th == "ภาคตะวันออก"
    assert REGIONS["WEST"].name_th == "ภาคตะวันตก"
    for region_id, region in REGIONS.items():
        assert region.id == region_id == region_id.upper()
        assert region.name_en
    assert OFFICIAL_SIX_REGIONS.region("WEST").name_en == "West"


def test_scheme_validation_rejects_incomplete_mapping() -> None:
    partial = dict.fromkeys(sorted(ALL_ISOS)[1:], "NORTH")
    with pytest.raises(ValueError, match="does not map"):
        RegionScheme(name="broken", regions=(REGIONS["NORTH"],), mapping=partial)


def test_scheme_validation_rejects_undeclared_region() -> None:
    mapping = dict.fromkeys(ALL_ISOS, "NORTH")
    with pytest.raises(ValueError, match="undeclared"):
        RegionScheme(name="broken", regions=(REGIONS["SOUTH"],), mapping=mapping)


def test_scheme_mapping_is_read_only() -> None:
    with pytest.raises(TypeError):
        PROGRAMME_REGIONS.mapping["TH-10"] = "SOUTH"  # type: ignore[index]
