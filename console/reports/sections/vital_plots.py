"""Vital signs as plots: heart rate with SpO2, and blood pressure."""

from __future__ import annotations

from console.domain.vitals import Parameter
from console.reports.pdf.palette import DIA, HR, MAP, MUTED, SPO2, SYS
from console.reports.pdf.plot import plot
from console.reports.sections.context import ReportContext


def render(report: ReportContext) -> None:
    report.heading_block("Vital signs", keep=70)
    v = report.d.vitals
    hr = v.get(Parameter.HR) or v.get(Parameter.PR)
    spo2 = v.get(Parameter.SPO2)
    if hr is None and spo2 is None:
        report.paragraph("No heart rate or SpO2 was recorded.", color=MUTED)
    else:
        hr_label = "HR" if Parameter.HR in v else "PR"
        plot(
            report,
            report.axis(),
            "Heart rate and SpO2",
            [(hr, HR, hr_label, "/min")] if hr is not None else [],
            right=(spo2, SPO2, "%", (70.0, 100.0)) if spo2 is not None else None,
            left_range=(30.0, 180.0),
        )
    bp = [
        (v.get(Parameter.NIBP_SYS), SYS, "SYS", "mmHg"),
        (v.get(Parameter.NIBP_DIA), DIA, "DIA", "mmHg"),
        (v.get(Parameter.NIBP_MEAN), MAP, "MAP", "mmHg"),
    ]
    present = [trace for trace in bp if trace[0] is not None]
    if present:
        plot(report, report.axis(), "Blood pressure", present, markers="cuff", height_mm=52)
    else:
        report.paragraph("No blood pressure was recorded.", color=MUTED)
    if hr is None and spo2 is None and not present:
        return
    report.paragraph(
        "Lines: monitor values. Dots: cuff readings. Open circles: values entered by hand.",
        report.small,
        color=MUTED,
    )
