"""A realistic demo plant: a few hundred assets in a hierarchy, meters with two months of
readings, and the vendors who supply it. Deterministic, so re-seeding finds what it made."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from maintainpro.models import Asset, Location, Meter, Vendor

Progress = Callable[[str], None]

# area code -> (kind of line, machines per area, (lat, lng) of the site)
AREAS = {
    "N-B1-A1": ("Filling", 8, (52.5200, 13.4050)),
    "N-B1-A2": ("Packaging", 8, (52.5203, 13.4061)),
    "N-B2-A1": ("Boiler", 4, (52.5191, 13.4042)),
    "N-B2-A2": ("Compressor", 4, (52.5194, 13.4035)),
    "S-B1-A1": ("Conveyor", 10, (51.3397, 12.3731)),
}
COMPONENTS = (
    ("MOT", "Drive motor", "Motors", "Siemens", "1LE1"),
    ("GBX", "Gearbox", "Gearboxes", "SEW", "R47"),
    ("PMP", "Pump", "Pumps", "Grundfos", "CR 15"),
    ("BRG", "Main bearing", "Bearings", "SKF", "6205"),
    ("SNS", "Vibration sensor", "Sensors", "IFM", "VVB001"),
    ("PLC", "Controller", "Controls", "Siemens", "S7-1500"),
)
VENDORS = (
    ("V-SIEM", "Siemens Service", ["motors", "controls"], (52.53, 13.29)),
    ("V-SEW", "SEW-Eurodrive", ["gearboxes"], (49.05, 8.43)),
    ("V-GRUN", "Grundfos Service", ["pumps"], (52.41, 13.05)),
    ("V-SKF", "SKF Bearings", ["bearings", "lubrication"], (51.34, 12.38)),
    ("V-IFM", "ifm electronic", ["sensors"], (51.45, 7.01)),
    ("V-ELEC", "Berlin Electrical Contractors", ["electrical"], (52.50, 13.42)),
    ("V-HVAC", "Leipzig HVAC", ["hvac", "boilers"], (51.33, 12.40)),
    ("V-LUBE", "Lubrication Supplies", ["lubrication"], (52.47, 13.36)),
)
READING_DAYS = 60


async def seed_plant(
    session: AsyncSession, organization_id: UUID, places: dict[str, Location], progress: Progress
) -> None:
    existing = await session.scalar(
        select(Asset.id)
        .where(Asset.organization_id == organization_id, Asset.code == "L-N-B1-A1")
        .limit(1)
    )
    if existing is not None:
        for step in (*AREAS, "vendors"):
            progress(step)
        return
    rng = random.Random(20261125)
    meters: list[Meter] = []
    for area_code, (kind, machines, (lat, lng)) in AREAS.items():
        area = places[area_code]
        line = _asset(
            organization_id, f"L-{area_code}", f"{kind} line {area_code}", area, lat, lng, rng
        )
        session.add(line)
        await session.flush()
        for number in range(1, machines + 1):
            machine = _asset(
                organization_id,
                f"M-{area_code}-{number:02d}",
                f"{kind} machine {number}",
                area,
                lat + rng.uniform(-0.0005, 0.0005),
                lng + rng.uniform(-0.0005, 0.0005),
                rng,
                parent=line,
            )
            session.add(machine)
            await session.flush()
            session.add_all(_components(organization_id, machine, area, rng))
            meters += _meters(organization_id, machine)
        progress(area_code)
    session.add_all(meters)
    await session.flush()
    await _readings(session, organization_id, meters, rng)
    session.add_all(_vendors(organization_id))
    await session.flush()
    progress("vendors")


def _asset(
    organization_id: UUID,
    code: str,
    name: str,
    area: Location,
    lat: float,
    lng: float,
    rng: random.Random,
    *,
    parent: Asset | None = None,
    category: str = "Production",
    manufacturer: str | None = None,
    model: str | None = None,
) -> Asset:
    installed = datetime(2018, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(0, 2000))
    return Asset(
        id=uuid7(),
        organization_id=organization_id,
        code=code,
        label_code=code,
        name=name,
        category=category,
        manufacturer=manufacturer,
        model=model,
        serial_number=f"SN{rng.randrange(10**7, 10**8)}",
        parent_id=parent.id if parent else None,
        location_id=area.id,
        site_id=area.site_id,
        latitude=round(lat, 6),
        longitude=round(lng, 6),
        status=rng.choices(["active", "in_maintenance", "inactive"], weights=[90, 6, 4])[0],
        criticality=rng.choice(["low", "medium", "medium", "high", "critical"]),
        install_date=installed.date(),
        warranty_expires_on=(installed + timedelta(days=5 * 365)).date(),
        purchase_cost=rng.randrange(2_000, 90_000),
        specifications={"ratedPowerKw": rng.choice([2.2, 5.5, 7.5, 15])},
    )


def _components(
    organization_id: UUID, machine: Asset, area: Location, rng: random.Random
) -> Iterator[Asset]:
    for suffix, name, category, manufacturer, model in COMPONENTS:
        yield _asset(
            organization_id,
            f"{machine.code}-{suffix}",
            f"{name} of {machine.name}",
            area,
            machine.latitude or 0.0,
            machine.longitude or 0.0,
            rng,
            parent=machine,
            category=category,
            manufacturer=manufacturer,
            model=model,
        )


def _meters(organization_id: UUID, machine: Asset) -> list[Meter]:
    return [
        Meter(
            id=uuid7(),
            organization_id=organization_id,
            asset_id=machine.id,
            name="Runtime",
            unit="h",
            kind="counter",
        ),
        Meter(
            id=uuid7(),
            organization_id=organization_id,
            asset_id=machine.id,
            name="Bearing temperature",
            unit="°C",
            kind="gauge",
        ),
    ]


async def _readings(
    session: AsyncSession, organization_id: UUID, meters: list[Meter], rng: random.Random
) -> None:
    start = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0) - timedelta(
        days=READING_DAYS
    )
    months = {(start + timedelta(days=d)).replace(day=1) for d in range(READING_DAYS + 1)}
    for month in sorted(months):
        await session.execute(
            text("SELECT app.ensure_partition_for('meter_readings', :at)"), {"at": month}
        )
    ids, times, values = [], [], []
    for meter in meters:
        total = rng.uniform(5_000, 30_000)
        for day in range(READING_DAYS):
            total += rng.uniform(8, 22)
            ids.append(meter.id)
            times.append(start + timedelta(days=day))
            values.append(
                round(total, 1) if meter.kind == "counter" else round(rng.gauss(55, 4), 1)
            )
    await session.execute(
        text(
            "INSERT INTO meter_readings (organization_id, meter_id, measured_at, value, source)"
            " SELECT CAST(:org AS uuid), m, t, v, 'demo' FROM unnest(CAST(:ids AS uuid[]),"
            " CAST(:times AS timestamptz[]), CAST(:values AS float8[])) AS r(m, t, v)"
        ),
        {"org": organization_id, "ids": ids, "times": times, "values": values},
    )


def _vendors(organization_id: UUID) -> Iterator[Vendor]:
    for code, name, services, (lat, lng) in VENDORS:
        yield Vendor(
            organization_id=organization_id,
            code=code,
            name=name,
            services=services,
            latitude=lat,
            longitude=lng,
            email=f"service@{code[2:].lower()}.example.com",
            status="active",
            contacts=[{"name": "Service desk", "role": "dispatch"}],
        )
