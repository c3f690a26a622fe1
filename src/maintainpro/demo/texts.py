"""The demo's wording: the problems and planned tasks work orders are about, the reasons
for holds and cancellations, labor notes, the planned tasks' checklists, and comments."""

from __future__ import annotations

from dataclasses import dataclass

# What breaks, by asset category (a repair's title).
PROBLEMS = {
    "Motors": ("Motor overheating", "Motor trips on start", "Abnormal noise from motor"),
    "Gearboxes": ("Oil leak at gearbox seal", "Gearbox vibration high", "Gearbox noisy"),
    "Pumps": ("Pump seal leaking", "Low discharge pressure", "Cavitation noise at pump"),
    "Bearings": ("Bearing running hot", "Bearing noise", "Bearing play detected"),
    "Sensors": ("Vibration sensor reading erratic", "Sensor signal lost"),
    "Controls": ("PLC fault - line stopped", "HMI not responding", "Drive fault alarm"),
    "Production": ("Machine jams at infeed", "Guard interlock fault", "Belt misaligned"),
}
# The tasks of each type of planned work; each preventive and inspection task has a checklist.
PLANNED = {
    "preventive": ("Quarterly lubrication", "Monthly PM", "Replace filters", "Grease bearings"),
    "inspection": ("Monthly safety inspection", "Thermographic inspection", "Visual inspection"),
    "predictive": ("Vibration analysis", "Oil sample analysis", "Ultrasonic leak survey"),
    "improvement": ("Fit quick-release couplings", "Upgrade guarding", "Add condition sensor"),
}
HOLD_REASONS = (
    "Waiting for spare parts",
    "Waiting for a production window",
    "Waiting for the contractor",
    "Needs a planned shutdown",
)
CANCEL_REASONS = ("Duplicate request", "No fault found", "Superseded by the planned overhaul")

# What an entry was for, by its place in the job: first, in between (or the only one), last.
REPAIR_NOTES = (
    ("Fault finding", "Made the machine safe, fault finding", "Diagnosis with the operator"),
    ("Repair", "Dismantled, replaced the worn parts", "Replaced the failed part"),
    ("Reassembly and test run", "Test run and handover to production", "Cleaned up the area"),
)
PLANNED_NOTES = (
    ("Preparation and lockout", "Fetched parts and tools"),
    ("Work as per the plan", "Checklist round"),
    ("Finished the round, restart and handover", "Cleaned up and handed back"),
)
# Noted on a failed checklist item.
FAILED_NOTES = (
    "Adjusted and checked again",
    "Replaced on the spot",
    "Reported to the supervisor, follow-up needed",
    "Spare part ordered",
    "Temporary fix, to be repaired at the next stop",
)


@dataclass(frozen=True)
class Check:
    """A checklist item's definition, and what its answers look like: numbers in `normal`
    (within the limits) or, failing, in `bad`; text from `answers`."""

    label: str
    kind: str
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    required: bool = False
    normal: tuple[float, float] = (0.0, 0.0)
    bad: tuple[float, float] = (0.0, 0.0)
    answers: tuple[str, ...] = ()


def _measured(
    label: str,
    low: float,
    high: float,
    unit: str,
    normal: tuple[float, float],
    bad: tuple[float, float],
) -> Check:
    """A reading to take, within `low` and `high`: found in `normal`, or failing in `bad`."""
    return Check(label, "number", low, high, unit, normal=normal, bad=bad)


LOCKOUT = Check("Machine locked out and tagged out", "pass_fail", required=True)
FINDINGS = Check(
    "Findings",
    "text",
    answers=(
        "No findings.",
        "All OK, handed back to production.",
        "Slight oil film on the gearbox housing, cleaned.",
        "Guard bracket loose, tightened.",
        "Cable tie on the sensor cable replaced.",
        "Paint damage on the frame, to be touched up at the next stop.",
    ),
)
# The checklist of each planned task of preventive and inspection work: 3-5 of its items (the
# required ones and the last always).
CHECKLISTS: dict[str, tuple[Check, ...]] = {
    "Quarterly lubrication": (
        LOCKOUT,
        Check("All grease points lubricated", "pass_fail", required=True),
        _measured("Gearbox oil level", 40, 60, "%", (45, 58), (25, 38)),
        _measured("Oil temperature after test run", 20, 70, "°C", (35, 62), (72, 88)),
        Check(
            "Lubricant used",
            "text",
            answers=(
                "Lithium EP 2 grease, about 40 g per point",
                "Gear oil ISO VG 220 topped up, 0.5 l",
                "High-speed spindle grease on the spindle bearings",
            ),
        ),
    ),
    "Monthly PM": (
        LOCKOUT,
        Check("Drive belt condition and tension", "pass_fail"),
        _measured("Motor current at full load", 8, 14, "A", (9.5, 12.8), (14.5, 17)),
        _measured("Vibration velocity at the drive end", 0, 4.5, "mm/s", (0.8, 3.4), (4.8, 7.5)),
        FINDINGS,
    ),
    "Replace filters": (
        _measured(
            "Filter differential pressure before the change", 0, 250, "Pa", (110, 240), (265, 420)
        ),
        Check("Filters replaced", "pass_fail", required=True),
        Check("Filter housing seal intact", "pass_fail"),
        Check("Airflow indicator in the green range", "yes_no"),
        Check(
            "Filter type fitted",
            "text",
            answers=("F7 bag filter 592x592", "G4 panel filter, 2 pieces", "Return filter 10 µm"),
        ),
    ),
    "Grease bearings": (
        LOCKOUT,
        _measured("Bearing temperature before greasing", 0, 80, "°C", (32, 66), (82, 96)),
        _measured("Grease quantity per bearing", 5, 30, "g", (8, 22), (34, 48)),
        Check("Bearing runs quietly after greasing", "pass_fail"),
        FINDINGS,
    ),
    "Monthly safety inspection": (
        Check("Emergency stop buttons tested", "pass_fail", required=True),
        Check("Guards and covers in place", "pass_fail", required=True),
        Check("Safety light curtain tested", "pass_fail"),
        Check("Warning labels legible", "yes_no"),
        FINDINGS,
    ),
    "Thermographic inspection": (
        _measured("Hottest connection in the panel", 0, 70, "°C", (28, 58), (73, 96)),
        _measured("Temperature rise over ambient", 0, 30, "K", (4, 24), (32, 47)),
        Check("Cabinet doors and seals closed", "pass_fail"),
        Check("Thermal images stored", "yes_no"),
        FINDINGS,
    ),
    "Visual inspection": (
        Check("No visible leaks", "pass_fail"),
        Check("No abnormal wear or damage", "pass_fail"),
        Check("Fasteners and mountings secure", "pass_fail"),
        Check("Area clean and clear", "yes_no"),
        Check(
            "Condition remarks",
            "text",
            answers=(
                "Good condition.",
                "Minor wear on the chain guide, replace at the next PM.",
                "Some dust build-up on the motor fins, cleaned.",
                "Oil drip at the drain plug, plug tightened.",
            ),
        ),
    ),
}

# What comments say, by when they are made, and the replies they may get.
REPORT_NOTES = (
    "Noticed it at the start of the early shift; it gets worse when the line runs at full speed.",
    "Operators have put a drip tray under it for now. Please take a look today.",
    "It happened twice during the night shift, both times after a product changeover.",
    "The line is running at reduced speed until this is fixed.",
    "Same problem as a few weeks ago - please find the root cause this time.",
)
REPORT_REPLIES = (
    "Thanks, we will look at it this morning.",
    "Noted. Please keep the guard closed until we are there.",
    "Can you send a photo of where it happens?",
)
PLAN_NOTES = (
    "Production has agreed to the window; the line is free from 07:00.",
    "Combine this with the other jobs on the line if you can, to save a second stop.",
    "Check the findings of the last round before you start.",
    "The spare filters and grease are ready in the storeroom.",
)
ASSIGN_NOTES = (
    "{name}, please take this one first thing tomorrow.",
    "{name}, this has priority over the rest of today's round.",
    "{name}, please coordinate the stop with the shift lead.",
    "{name}, the spare parts are already in the storeroom.",
)
ASSIGN_REPLIES = (
    "On it after the break.",
    "OK, I will pick up the parts on the way.",
    "Will do - I will need a second person for the lift, though.",
)
HOLD_NOTES = {
    "Waiting for spare parts": (
        "The seal kit is not in stock; ordered from the supplier, delivery in three days.",
        "Ordered a replacement bearing; the storeroom had the wrong size.",
    ),
    "Waiting for a production window": (
        "Production cannot stop the line before the weekend; parked until then.",
    ),
    "Waiting for the contractor": (
        "This needs the drive specialist; the contractor is booked for Thursday.",
    ),
    "Needs a planned shutdown": (
        "The repair needs the line drained - moved to the next planned shutdown.",
    ),
}
HOLD_REPLIES = (
    "OK, keep me posted on the delivery date.",
    "Understood. I have told the shift lead.",
)
REPAIR_FINDINGS = (
    "Found the coupling insert worn through; replacing it.",
    "The terminal screw on the motor supply was loose and discoloured - retightened it and "
    "checked the others.",
    "The drive-end bearing has play; fitting a new one.",
    "The sensor cable was chafed at the cable duct; rerouted and protected it.",
    "The seal was hard and cracked; replaced it with a new one from stock.",
)
ROUND_NOTES = (
    "Two grease points are hard to reach; used the extension hose.",
    "A little oil on the floor under the gearbox - will keep an eye on it.",
    "One side done, continuing after the line restart.",
)
DONE_NOTES = (
    "Done. Test run for 30 minutes without issues, handed back to production.",
    "Fixed. A temporary clamp is in place - the permanent repair needs a planned shutdown.",
    "Completed; the parts used are in the maintenance log.",
)
PLANNED_DONE_NOTES = (
    "Done as per the plan, nothing unusual found.",
    "Completed; the findings are in the checklist.",
    "All done and the area cleaned up.",
)
DONE_REPLIES = (
    "Thanks, it is running fine again.",
    "Great, the operators confirm it is OK.",
)
VERIFY_NOTES = (
    "Checked on site: looks good.",
    "Verified with the shift lead: all fine.",
)
CANCEL_NOTES = {
    "Duplicate request": "Duplicate of an earlier request on the same machine - closing this one.",
    "No fault found": "Checked with the operator: the machine runs normally, no fault found.",
    "Superseded by the planned overhaul": "This will be covered by next month's overhaul.",
}
