"""The liaison directory's demo data: the annex's four units and office landlines (联络信息表).

Personal names and mobile numbers are never shipped: they come from an operator's import file
(`weiquan liaison import FILE`); examples/liaisons.csv is a fictional one for demos and tests.
"""

from __future__ import annotations

from pathlib import Path

from domain.models import Agency
from registry.store import Registry

ANNEX_UNITS = {
    Agency.INSPECTION: ("南昌市人社局劳动保障监察支队", "案审考核科", "0791-83807308"),
    Agency.ARBITRATION: ("南昌市人社局劳动人事争议仲裁院", "立案庭", "0791-83802500"),
    Agency.UNION: ("南昌市总工会", "权益维护部", "0791-83868130"),
    Agency.LEGAL_AID: ("南昌市司法局", "公共法律服务管理科", "0791-86819927"),
}

EXAMPLE_IMPORT = Path(__file__).resolve().parents[1] / "examples" / "liaisons.csv"


def seed_annex_units(registry: Registry) -> None:
    """Add the annex units that are missing; never overwrites an operator's edits."""
    known = {row.unit for row in registry.liaisons()}
    for unit, (name, department, landline) in ANNEX_UNITS.items():
        if unit.value not in known:
            registry.set_liaison(unit, {"landline": landline}, by="annex", unit_name=name, department=department)


def seed_demo_directory(registry: Registry) -> None:
    """Annex units plus the fictional example liaisons, for demos and tests."""
    seed_annex_units(registry)
    if not any(row.liaison_name for row in registry.liaisons()):
        registry.import_liaisons(EXAMPLE_IMPORT, by="demo")
