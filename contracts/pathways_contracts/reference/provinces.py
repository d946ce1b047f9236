"""Thailand's 77 provinces (76 + Bangkok) and the region schemes that group them.

Codes are the Interior Ministry's 2-digit province codes, which are also the numeric
part of the ISO 3166-2:TH subdivision codes (``TH-10`` Bangkok ... ``TH-96``
Narathiwat). ``TH-S`` (Pattaya) is a special administrative city inside Chon Buri,
not a province, and is deliberately absent.

Two region schemes are kept as data, so reports can say which one they use:

* :data:`PROGRAMME_REGIONS` - the 4-region grouping the programme reports in: the
  older Interior Ministry / National Statistical Office grouping, where the East and
  West fold into Central and the lower-north provinces (Nakhon Sawan, Uthai Thani,
  Kamphaeng Phet, Tak, Sukhothai, Phitsanulok, Phichit, Phetchabun) count as North.
  North 17, Northeast 20, Central 26 (incl. Bangkok), South 14.
* :data:`OFFICIAL_SIX_REGIONS` - the official 6-region geographic scheme (National
  Geographical Committee, 1977). North 9, Northeast 20, Central 22 (incl. Bangkok),
  East 7, West 5, South 14.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "CENTRAL",
    "EAST",
    "NORTH",
    "NORTHEAST",
    "OFFICIAL_SIX_REGIONS",
    "PROGRAMME_REGIONS",
    "PROVINCES",
    "REGIONS",
    "SOUTH",
    "WEST",
    "Province",
    "Region",
    "RegionScheme",
    "UnknownProvinceError",
    "UnknownRegionError",
    "normalise_province_iso",
    "province_by_iso",
    "provinces_in_region",
    "region_of",
]

_ISO_PREFIX = "TH-"


class UnknownProvinceError(ValueError):
    """Raised when a code does not name one of the 77 provinces."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        message = (
            f"unknown Thai province code {code!r}: expected an ISO 3166-2:TH code "
            f"of the form 'TH-NN' (e.g. 'TH-10' for Bangkok, 'TH-50' for Chiang Mai) "
            "or the bare 2-digit Interior Ministry code 'NN'"
        )
        if detail:
            message = f"{message}; {detail}"
        super().__init__(message)


class UnknownRegionError(ValueError):
    """Raised when a region identifier is not part of a region scheme."""

    def __init__(self, region: str, scheme: str, known: tuple[str, ...]) -> None:
        self.region = region
        self.scheme = scheme
        super().__init__(f"unknown region {region!r} in scheme {scheme!r}: expected one of {', '.join(known)}")


@dataclass(frozen=True, slots=True)
class Province:
    """One province.

    ``code`` is the 2-digit Interior Ministry code; ``iso`` is ``TH-<code>``.
    """

    code: str
    iso: str
    name_th: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Region:
    """A region with a stable uppercase identifier and display names."""

    id: str
    name_th: str
    name_en: str


def _p(code: str, name_th: str, name_en: str) -> Province:
    return Province(code=code, iso=f"{_ISO_PREFIX}{code}", name_th=name_th, name_en=name_en)


PROVINCES: tuple[Province, ...] = (
    _p("10", "กรุงเทพมหานคร", "Bangkok"),
    _p("11", "สมุทรปราการ", "Samut Prakan"),
    _p("12", "นนทบุรี", "Nonthaburi"),
    _p("13", "ปทุมธานี", "Pathum Thani"),
    _p("14", "พระนครศรีอยุธยา", "Phra Nakhon Si Ayutthaya"),
    _p("15", "อ่างทอง", "Ang Thong"),
    _p("16", "ลพบุรี", "Lop Buri"),
    _p("17", "สิงห์บุรี", "Sing Buri"),
    _p("18", "ชัยนาท", "Chai Nat"),
    _p("19", "สระบุรี", "Saraburi"),
    _p("20", "ชลบุรี", "Chon Buri"),
    _p("21", "ระยอง", "Rayong"),
    _p("22", "จันทบุรี", "Chanthaburi"),
    _p("23", "ตราด", "Trat"),
    _p("24", "ฉะเชิงเทรา", "Chachoengsao"),
    _p("25", "ปราจีนบุรี", "Prachin Buri"),
    _p("26", "นครนายก", "Nakhon Nayok"),
    _p("27", "สระแก้ว", "Sa Kaeo"),
    _p("30", "นครราชสีมา", "Nakhon Ratchasima"),
    _p("31", "บุรีรัมย์", "Buri Ram"),
    _p("32", "สุรินทร์", "Surin"),
    _p("33", "ศรีสะเกษ", "Si Sa Ket"),
    _p("34", "อุบลราชธานี", "Ubon Ratchathani"),
    _p("35", "ยโสธร", "Yasothon"),
    _p("36", "ชัยภูมิ", "Chaiyaphum"),
    _p("37", "อำนาจเจริญ", "Amnat Charoen"),
    _p("38", "บึงกาฬ", "Bueng Kan"),
    _p("39", "หนองบัวลำภู", "Nong Bua Lam Phu"),
    _p("40", "ขอนแก่น", "Khon Kaen"),
    _p("41", "อุดรธานี", "Udon Thani"),
    _p("42", "เลย", "Loei"),
    _p("43", "หนองคาย", "Nong Khai"),
    _p("44", "มหาสารคาม", "Maha Sarakham"),
    _p("45", "ร้อยเอ็ด", "Roi Et"),
    _p("46", "กาฬสินธุ์", "Kalasin"),
    _p("47", "สกลนคร", "Sakon Nakhon"),
    _p("48", "นครพนม", "Nakhon Phanom"),
    _p("49", "มุกดาหาร", "Mukdahan"),
    _p("50", "เชียงใหม่", "Chiang Mai"),
    _p("51", "ลำพูน", "Lamphun"),
    _p("52", "ลำปาง", "Lampang"),
    _p("53", "อุตรดิตถ์", "Uttaradit"),
    _p("54", "แพร่", "Phrae"),
    _p("55", "น่าน", "Nan"),
    _p("56", "พะเยา", "Phayao"),
    _p("57", "เชียงราย", "Chiang Rai"),
    _p("58", "แม่ฮ่องสอน", "Mae Hong Son"),
    _p("60", "นครสวรรค์", "Nakhon Sawan"),
    _p("61", "อุทัยธานี", "Uthai Thani"),
    _p("62", "กำแพงเพชร", "Kamphaeng Phet"),
    _p("63", "ตาก", "Tak"),
    _p("64", "สุโขทัย", "Sukhothai"),
    _p("65", "พิษณุโลก", "Phitsanulok"),
    _p("66", "พิจิตร", "Phichit"),
    _p("67", "เพชรบูรณ์", "Phetchabun"),
    _p("70", "ราชบุรี", "Ratchaburi"),
    _p("71", "กาญจนบุรี", "Kanchanaburi"),
    _p("72", "สุพรรณบุรี", "Suphan Buri"),
    _p("73", "นครปฐม", "Nakhon Pathom"),
    _p("74", "สมุทรสาคร", "Samut Sakhon"),
    _p("75", "สมุทรสงคราม", "Samut Songkhram"),
    _p("76", "เพชรบุรี", "Phetchaburi"),
    _p("77", "ประจวบคีรีขันธ์", "Prachuap Khiri Khan"),
    _p("80", "นครศรีธรรมราช", "Nakhon Si Thammarat"),
    _p("81", "กระบี่", "Krabi"),
    _p("82", "พังงา", "Phang Nga"),
    _p("83", "ภูเก็ต", "Phuket"),
    _p("84", "สุราษฎร์ธานี", "Surat Thani"),
    _p("85", "ระนอง", "Ranong"),
    _p("86", "ชุมพร", "Chumphon"),
    _p("90", "สงขลา", "Songkhla"),
    _p("91", "สตูล", "Satun"),
    _p("92", "ตรัง", "Trang"),
    _p("93", "พัทลุง", "Phatthalung"),
    _p("94", "ปัตตานี", "Pattani"),
    _p("95", "ยะลา", "Yala"),
    _p("96", "นราธิวาส", "Narathiwat"),
)

_BY_ISO: Mapping[str, Province] = MappingProxyType({p.iso: p for p in PROVINCES})


def normalise_province_iso(code: str) -> str:
    """Canonical ``TH-NN`` form of ``code`` (``"TH-50"``, ``"th-50"`` or ``"50"``).

    Raises :class:`UnknownProvinceError` if the code is not one of the 77 provinces.
    """
    candidate = code.strip().upper()
    if not candidate.startswith(_ISO_PREFIX):
        candidate = f"{_ISO_PREFIX}{candidate}"
    if candidate in _BY_ISO:
        return candidate
    detail = ""
    if candidate == "TH-S":
        detail = "TH-S (Pattaya) is a special administrative city in Chon Buri (TH-20), not a province"
    raise UnknownProvinceError(code, detail)


def province_by_iso(iso: str) -> Province:
    """Look a province up by ISO code (``"TH-50"``) or bare 2-digit code (``"50"``)."""
    return _BY_ISO[normalise_province_iso(iso)]


# --- regions ------------------------------------------------------------------

NORTH = Region("NORTH", "ภาคเหนือ", "North")
NORTHEAST = Region("NORTHEAST", "ภาคตะวันออกเฉียงเหนือ", "Northeast")
CENTRAL = Region("CENTRAL", "ภาคกลาง", "Central")
SOUTH = Region("SOUTH", "ภาคใต้", "South")
EAST = Region("EAST", "ภาคตะวันออก", "East")
WEST = Region("WEST", "ภาคตะวันตก", "West")

REGIONS: Mapping[str, Region] = MappingProxyType({r.id: r for r in (NORTH, NORTHEAST, CENTRAL, SOUTH, EAST, WEST)})


@dataclass(frozen=True, slots=True)
class RegionScheme:
    """A way of grouping provinces into regions.

    ``mapping`` maps every province's ISO code (``TH-NN``) to a region identifier in
    ``regions``. Construction fails if the mapping misses a province, names an
    unknown province, or uses a region that is not in ``regions``.
    """

    name: str
    regions: tuple[Region, ...]
    mapping: Mapping[str, str] = field(hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mapping", MappingProxyType(dict(self.mapping)))
        region_ids = {r.id for r in self.regions}
        if len(region_ids) != len(self.regions):
            raise ValueError(f"region scheme {self.name!r} lists a region twice")
        unknown_isos = sorted(set(self.mapping) - set(_BY_ISO))
        if unknown_isos:
            raise ValueError(f"region scheme {self.name!r} maps unknown provinces {unknown_isos}")
        missing = sorted(set(_BY_ISO) - set(self.mapping))
        if missing:
            raise ValueError(f"region scheme {self.name!r} does not map provinces {missing}")
        bad_regions = sorted(set(self.mapping.values()) - region_ids)
        if bad_regions:
            raise ValueError(f"region scheme {self.name!r} uses undeclared regions {bad_regions}")

    @property
    def region_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.regions)

    def region(self, region_id: str) -> Region:
        """The :class:`Region` with identifier ``region_id`` in this scheme."""
        for r in self.regions:
            if r.id == region_id:
                return r
        raise UnknownRegionError(region_id, self.name, self.region_ids)

    def region_of(self, iso: str) -> str:
        """Region identifier of a province (``"TH-50"`` or ``"50"``)."""
        return self.mapping[normalise_province_iso(iso)]

    def provinces_in(self, region_id: str) -> tuple[Province, ...]:
        """Provinces of a region, in province-code order."""
        self.region(region_id)  # validates the identifier
        return tuple(p for p in PROVINCES if self.mapping[p.iso] == region_id)


def _scheme(name: str, groups: tuple[tuple[Region, str], ...]) -> RegionScheme:
    mapping: dict[str, str] = {}
    for region, codes in groups:
        for code in codes.split():
            iso = f"{_ISO_PREFIX}{code}"
            if iso in mapping:
                raise ValueError(f"{iso} assigned twice in region scheme {name!r}")
            mapping[iso] = region.id
    return RegionScheme(name=name, regions=tuple(r for r, _ in groups), mapping=mapping)


_NORTHEAST_CODES = "30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49"
_SOUTH_CODES = "80 81 82 83 84 85 86 90 91 92 93 94 95 96"

PROGRAMME_REGIONS: RegionScheme = _scheme(
    "programme-4",
    (
        # Upper north (9) + lower north (8): Nakhon Sawan, Uthai Thani,
        # Kamphaeng Phet, Tak, Sukhothai, Phitsanulok, Phichit, Phetchabun.
        (NORTH, "50 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 67"),
        (NORTHEAST, _NORTHEAST_CODES),
        # Bangkok and the central plain, with the East (20-27) and the
        # West (70-77) folded in.
        (
            CENTRAL,
            "10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 70 71 72 73 74 75 76 77",
        ),
        (SOUTH, _SOUTH_CODES),
    ),
)
"""The programme's 4-region reporting scheme (NSO / older Interior Ministry groups)."""

OFFICIAL_SIX_REGIONS: RegionScheme = _scheme(
    "official-6",
    (
        (NORTH, "50 51 52 53 54 55 56 57 58"),
        (NORTHEAST, _NORTHEAST_CODES),
        (CENTRAL, "10 11 12 13 14 15 16 17 18 19 26 60 61 62 64 65 66 67 72 73 74 75"),
        (EAST, "20 21 22 23 24 25 27"),
        (WEST, "63 70 71 76 77"),
        (SOUTH, _SOUTH_CODES),
    ),
)
"""The official 6-region geographic scheme (National Geographical Committee, 1977)."""


def region_of(iso: str, scheme: RegionScheme = PROGRAMME_REGIONS) -> str:
    """Region identifier (e.g. ``"NORTH"``) of a province under ``scheme``.

    Accepts ``"TH-50"`` or ``"50"``; raises :class:`UnknownProvinceError` otherwise.
    """
    return scheme.region_of(iso)


def provinces_in_region(region_id: str, scheme: RegionScheme = PROGRAMME_REGIONS) -> tuple[Province, ...]:
    """Provinces in a region under ``scheme``, in province-code order."""
    return scheme.provinces_in(region_id)
