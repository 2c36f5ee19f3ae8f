"""Notices (公示, 公告) of the procedures: the list of the user's area, a printable page and the same as a PDF.

A notice is posted on a village's board: it lists the households by the head's name, the household size and the
procedure (the monitoring category for a monitoring case), the period (first and last day), and where to send
objections.  Never an identity number, a phone number, a bank account, a health detail or a reason code: the
sheet is built from those fields only (``notice_sheet``), and the HTML page and the PDF both render that sheet.
The PDF is drawn with reportlab in its built-in CID font ``STSong-Light`` (no font file needed).
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from jingzhun.areas.models import Area
from jingzhun.core.paging import CappedPaginator
from jingzhun.core.scoping import VIEW, get_visible_or_404
from jingzhun.procedures import selectors
from jingzhun.procedures.models import Notice
from jingzhun.procedures.workflows import WORKFLOWS

from .cases import category_label, kind_label, procedure_label, village_names
from .common import login_required, render_page

PAGE_SIZE = 50
PDF_FONT = "STSong-Light"


@login_required
def notices(request):
    user = request.user
    procedure = request.GET.get("procedure") if request.GET.get("procedure") in WORKFLOWS else ""
    kind = request.GET.get("kind") if request.GET.get("kind") in Notice.Kind.values else ""
    qs = selectors.notices_visible(user).annotate(n_cases=Count("cases")).order_by("-start_date", "-id")
    if procedure:
        qs = qs.filter(procedure=procedure)
    if kind:
        qs = qs.filter(kind=kind)
    page_obj = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page_obj.object_list)
    names = village_names(n.area for n in rows)
    for n in rows:
        n.village_name = names.get(n.area, n.area)
        n.kind_label = kind_label(n.kind)
        n.procedure_label = procedure_label(n.procedure)
    context = {
        "nav": "cases", "page_obj": page_obj, "rows": rows, "results_url": request.path,
        "procedure": procedure, "kind": kind, "procedures": [(code, procedure_label(code)) for code in WORKFLOWS],
        "kinds": [(k, kind_label(k)) for k in Notice.Kind.values],
    }
    return render_page(request, "web/notices.html", context)


def notice_sheet(notice: Notice) -> dict:
    """Everything a posted notice shows, and nothing else."""
    village = Area.objects.select_related("parent__parent").filter(code=notice.area).first()
    township = village.parent if village is not None else None
    county = township.parent if township is not None else None
    names = {"village": village.name if village else notice.area, "township": township.name if township else "",
             "county": county.name if county else ""}
    rows = [{"head": case.household.head_name or "–", "size": case.household.size, "procedure": procedure_label(case.procedure),
             "category": category_label(case.category)}
            for case in notice.cases.select_related("household").order_by("household__number", "id")]
    start, end = date_format(notice.start_date), date_format(notice.end_date)
    params = {**names, "procedure": procedure_label(notice.procedure), "kind": kind_label(notice.kind), "start": start, "end": end,
              "days": notice.days, "n": len(rows)}
    if notice.kind == Notice.Kind.ANNOUNCEMENT:
        intro = _("The result of the %(procedure)s procedure for the following %(n)s households is announced from %(start)s to %(end)s "
                  "(%(days)s days).") % params
    else:
        intro = _("In the %(procedure)s procedure, the following %(n)s households of %(village)s are publicly notified from %(start)s "
                  "to %(end)s (%(days)s days).") % params
    objections = _("Anyone with an objection may report it, in person, in writing or anonymously, to the villagers' committee of "
                   "%(village)s or to the government of %(township)s, by %(end)s at the latest. Every objection is verified and "
                   "answered.") % params
    issuer = {Notice.Kind.SECOND: _("The government of %(township)s"),
              Notice.Kind.ANNOUNCEMENT: _("The poverty alleviation office of %(county)s")}.get(notice.kind, _("The villagers' committee of %(village)s")) % params
    return {"notice": notice, "title": f"{names['village']} {params['procedure']} {params['kind']}", "intro": intro, "objections": objections,
            "issuer": issuer, "start": start, "end": end, "days": notice.days, "rows": rows, **names,
            "labels": {"number": _("No."), "head": _("Head of household"), "size": _("Household size"), "procedure": _("Procedure"),
                       "period": _("Period"), "objections": _("Objections")}}


@login_required
def notice_print(request, pk: int):
    notice = get_visible_or_404(request.user, Notice, VIEW, pk=pk)
    return render(request, "web/notice_print.html", {"sheet": notice_sheet(notice)})


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))


def notice_pdf(sheet: dict) -> bytes:
    """The notice as an A4 PDF (reportlab, CID font STSong-Light)."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    _register_font()
    body = ParagraphStyle("body", fontName=PDF_FONT, fontSize=12, leading=19, wordWrap="CJK", firstLineIndent=24)
    title = ParagraphStyle("title", parent=body, fontSize=20, leading=28, alignment=TA_CENTER, firstLineIndent=0, spaceAfter=8)
    right = ParagraphStyle("right", parent=body, alignment=TA_RIGHT, firstLineIndent=0)
    cell = ParagraphStyle("cell", parent=body, fontSize=11, leading=15, firstLineIndent=0)

    def p(text, style=body):
        return Paragraph(escape(str(text)), style)

    labels = sheet["labels"]
    data = [[p(labels["number"], cell), p(labels["head"], cell), p(labels["size"], cell), p(labels["procedure"], cell)]]
    for i, row in enumerate(sheet["rows"], 1):
        procedure = row["procedure"] + (f"（{row['category']}）" if row["category"] else "")
        data.append([p(i, cell), p(row["head"], cell), p(row["size"], cell), p(procedure, cell)])
    table = Table(data, colWidths=[16 * mm, 50 * mm, 30 * mm, 74 * mm], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.6, colors.black), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm, bottomMargin=20 * mm,
                            title=sheet["title"], author="Jingzhun", subject=sheet["title"])
    doc.build([p(sheet["title"], title), Spacer(1, 4 * mm), p(sheet["intro"]), Spacer(1, 4 * mm), table, Spacer(1, 6 * mm),
               p(sheet["objections"]), Spacer(1, 12 * mm), p(sheet["issuer"], right), p(sheet["start"], right)])
    return buffer.getvalue()


@login_required
def notice_pdf_view(request, pk: int):
    notice = get_visible_or_404(request.user, Notice, VIEW, pk=pk)
    response = HttpResponse(notice_pdf(notice_sheet(notice)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.pk}.pdf"'
    return response
