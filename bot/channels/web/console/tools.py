"""Console tools for role staff: insights (the same report and charts as `xiaoer insights`), catalog upload
with per-row errors (the same ingest as /ingest), the copy generator with its compliance report beside the
text, and the audit log. Every use is audited."""

from __future__ import annotations

import asyncio
import base64
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from bot.channels.web.console.guard import Refused, Staff, check_form, current_staff, same_origin

log = logging.getLogger(__name__)
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
FORM_OVERHEAD_BYTES = 64 * 1024  # the multipart framing and the csrf field around the file
CATALOG_SUFFIXES = (".csv", ".jsonl", ".json")
PERIODS = ("24h", "7d", "30d")

Page = Callable[..., Response]


def add_tool_routes(
    router: APIRouter,
    deps: Any,
    page: Page,
    back: Callable[[str, str], Response],
    refused: Callable[[Request, Refused], Response],
) -> None:
    async def staff_only(request: Request) -> Staff:
        return await current_staff(request, deps.auth, staff_only=True)

    # --- insights -------------------------------------------------------------------------------------
    @router.get("/insights")
    async def insights(request: Request, since: str = "7d") -> Response:
        try:
            staff = await staff_only(request)
        except Refused as exc:
            return refused(request, exc)
        if deps.insights is None:
            return page(request, "insights.html", staff, unavailable=True, since=since, periods=PERIODS)
        from bot.insights.analysis import parse_period
        from bot.insights.charts import render_charts
        from bot.insights.render import summary_text

        since = since if since in PERIODS else "7d"
        report, suggestions = await asyncio.to_thread(deps.insights.analyse, parse_period(since))
        charts = await asyncio.to_thread(render_charts, report)
        images = [(name, base64.b64encode(png).decode()) for name, png in sorted(charts.items())]
        lang = deps.handoff.config.support_language
        summary = summary_text(report, deps.insights.messages, lang)
        await deps.auth.audit(staff.name, "insights.view", since)
        return page(
            request,
            "insights.html",
            staff,
            unavailable=False,
            since=since,
            periods=PERIODS,
            summary=summary,
            images=images,
            suggestions=suggestions,
        )

    # --- catalog upload -------------------------------------------------------------------------------
    @router.get("/catalog")
    async def catalog_form(request: Request) -> Response:
        try:
            staff = await staff_only(request)
        except Refused as exc:
            return refused(request, exc)
        return page(request, "catalog.html", staff, report=None, error="", available=deps.ingest is not None)

    @router.post("/catalog", max_body_size=MAX_UPLOAD_BYTES + FORM_OVERHEAD_BYTES)
    async def catalog_upload(request: Request) -> Response:
        # Who asks is checked before the body is read: an anonymous upload is refused unparsed.
        try:
            staff = await staff_only(request)
            if not same_origin(request):
                raise Refused(403, "cross-site request refused")
            async with request.form(max_files=1, max_fields=4) as form:
                token = form.get("csrf")
                check_form(request, staff, token if isinstance(token, str) else None)
                file = form.get("file")
                if not isinstance(file, UploadFile):
                    raise Refused(400, "choose a catalog file to upload")
                return await _upload(request, staff, file)
        except Refused as exc:
            return refused(request, exc)

    async def _upload(request: Request, staff: Staff, file: UploadFile) -> Response:
        name = Path(file.filename or "catalog.csv").name
        content = await file.read(MAX_UPLOAD_BYTES + 1)
        error = ""
        report = None
        if deps.ingest is None:
            error = "catalog import is not available on this server"
        elif not name.lower().endswith(CATALOG_SUFFIXES):
            error = f"only .csv, .jsonl or .json files can be imported; got {name}"
        elif len(content) > MAX_UPLOAD_BYTES:
            error = f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"
        else:
            try:
                report = await asyncio.to_thread(_ingest_bytes, deps.ingest, name, content)
            except Exception as exc:  # a malformed file (CatalogFormatError …): say why, change nothing
                log.info("console catalog upload %s refused: %s", name, exc)
                error = f"could not import {name}: {str(exc)[:300]}"
        detail = error or (report.summary() if report is not None else "")
        await deps.auth.audit(staff.name, "catalog.upload", name, detail)
        return page(
            request, "catalog.html", staff, report=report, error=error, file_name=name, available=True
        )

    # --- copy generator -------------------------------------------------------------------------------
    def copy_choices() -> tuple[list[str], list[str]]:
        if deps.copy is None:
            return [], []
        return sorted(deps.copy.library.platforms), sorted(deps.copy.library.tones)

    @router.get("/copy")
    async def copy_form(request: Request) -> Response:
        try:
            staff = await staff_only(request)
        except Refused as exc:
            return refused(request, exc)
        platforms, tones = copy_choices()
        return page(
            request, "copy.html", staff, platforms=platforms, tones=tones, results=[], error="", form={}
        )

    @router.post("/copy")
    async def copy_generate(
        request: Request,
        csrf: str = Form(""),
        subject: str = Form(""),
        platform: str = Form(""),
        tone: str = Form(""),
        variants: int = Form(1),
    ) -> Response:
        try:
            staff = await staff_only(request)
            check_form(request, staff, csrf)
        except Refused as exc:
            return refused(request, exc)
        platforms, tones = copy_choices()
        form = {"subject": subject[:200], "platform": platform, "tone": tone, "variants": variants}
        results: list[Any] = []
        error = ""
        subject = subject.strip()[:200]
        if deps.copy is None:
            error = "the copy generator is not available on this server"
        elif not subject:
            error = "give a SKU or some keywords"
        else:
            product = deps.catalog_lookup(subject) if deps.catalog_lookup is not None else None
            try:
                results = await deps.copy.generate(
                    product or subject, platform, tone or None, max(1, min(5, variants))
                )
            except Exception as exc:  # CopyRequestError (unknown platform/tone …): say which
                error = f"could not write copy: {exc}"
        await deps.auth.audit(staff.name, "copy.generate", subject, f"{platform} {tone} ×{variants} {error}")
        return page(
            request,
            "copy.html",
            staff,
            platforms=platforms,
            tones=tones,
            results=results,
            error=error,
            form=form,
        )

    # --- audit log ------------------------------------------------------------------------------------
    @router.get("/audit")
    async def audit(request: Request) -> Response:
        try:
            staff = await staff_only(request)
        except Refused as exc:
            return refused(request, exc)
        entries = await asyncio.to_thread(deps.auth.store.audit_log, 200)
        return page(request, "audit.html", staff, entries=entries)


def _ingest_bytes(ingest: Callable[[Path], Any], name: str, content: bytes) -> Any:
    with tempfile.TemporaryDirectory(prefix="xiaoer-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        return ingest(path)
